import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { Action, Resource } from '../auth/rbac.ts';
import type { Paging, QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { parseDigest } from '../oci/digest.ts';
import { INDEX_TYPES } from '../oci/media-types.ts';
import { buildHistoryOf, HELM_CHART_LAYER } from '../oci/artifact-type.ts';
import { isValidRepositoryName, isValidTag } from '../oci/names.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import { visibilityOf, type ProjectRow } from '../projects/projects.store.ts';
import type { ContentChange } from '../content/content-rules.ts';
import type { ContentServices } from '../content/content-services.ts';
import type { ImmutableTagTest } from '../content/immutable-tags.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { LabelRow, LabelsStore } from '../labels/labels.store.ts';
import { readChartFiles } from './chart-files.ts';
import type { ArtifactRow, ArtifactsStore, ReferenceRow, RepositoryRow, RepositorySummary, TagRow } from './artifacts.store.ts';

export const repositoryUpdateSchema = z.object({ description: z.string().max(30_000) }).loose();
export const tagCreationSchema = z.object({ name: z.string().refine(isValidTag, 'must be a valid tag: letters, digits, _ . - (first not . or -), at most 128 characters') }).loose();

/** The additions Harbor serves per artifact type; their names are also the keys of `addition_links`, as in Harbor. */
const ADDITIONS: Record<string, readonly string[]> = { IMAGE: ['build_history'], CHART: ['values.yaml', 'readme.md', 'dependencies'] };

/** An OCI image index or Docker manifest list. */
export function isIndex(artifact: ArtifactRow): boolean {
  return INDEX_TYPES.includes(artifact.mediaType);
}

/** The additions an artifact has: none for an index, whose children carry their own (Harbor's index processor lists none). */
export function additionsOf(artifact: ArtifactRow): readonly string[] {
  return isIndex(artifact) ? [] : (ADDITIONS[artifact.type] ?? []);
}

const MAX_ADDITION_BLOB = 16 * 1024 * 1024;
/** Page size for reading a whole listing (every repository of a project, every artifact of a repository). */
const WHOLE_LISTING_PAGE = 1000;

export interface ArtifactView {
  artifact: ArtifactRow;
  projectId: string;
  repositoryName: string;
  tags?: TagView[];
  references: (ReferenceRow & { platform?: unknown; annotations?: unknown; urls?: unknown })[];
  accessories?: ArtifactRow[];
  labels?: LabelRow[];
}

export interface ViewOptions {
  withTag: boolean;
  withAccessory: boolean;
  withLabel: boolean;
  /** Harbor's with_immutable_status: each tag's `immutable` says whether an enabled rule holds it (otherwise false). */
  withImmutableStatus: boolean;
}

/** A tag as Harbor shows it. */
export type TagView = TagRow & { immutable: boolean };

function tagViews(tags: TagRow[], immutable: ImmutableTagTest | undefined): TagView[] {
  return tags.map((tag) => ({ ...tag, immutable: immutable?.(tag.name) !== undefined }));
}

/**
 * Harbor's view of repositories, artifacts and tags: who may list, inspect,
 * tag, copy and delete, and what Harbor shows (types, sizes, references,
 * accessories, additions). Reads are its own; every change goes through
 * content/, which owns the tables and their rules for both APIs.
 */
export class ArtifactsService {
  readonly #db: Db;
  readonly #store: ArtifactsStore;
  readonly #access: AccessService;
  readonly #projects: ProjectsService;
  readonly #content: ContentServices;
  readonly #blobs: BlobStore;
  readonly #labels: LabelsStore;

  constructor(deps: {
    db: Db;
    store: ArtifactsStore;
    access: AccessService;
    projects: ProjectsService;
    content: ContentServices;
    blobs: BlobStore;
    labels: LabelsStore;
  }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#projects = deps.projects;
    this.#content = deps.content;
    this.#blobs = deps.blobs;
    this.#labels = deps.labels;
  }

  /** The project (visible to the caller, else 404) with `resource:action` required; by name unless `isName` is false and the value is numeric. */
  async project(principal: Principal | undefined, projectName: string, resource: Resource, action: Action, isName = true): Promise<ProjectRow> {
    const project = await this.#projects.resolve(principal, projectName, isName);
    await this.#access.require(principal, ref(project), resource, action);
    return project;
  }

  async repository(project: ProjectRow, repositoryName: string): Promise<RepositoryRow> {
    const name = `${project.name}/${repositoryName}`;
    const repository = isValidRepositoryName(name) ? await this.#store.findRepository(this.#db, name) : undefined;
    if (!repository) throw new BerthError('NOT_FOUND', `repository ${name} not found`);
    return repository;
  }

  /** Every repository of the project that holds an artifact (a retention run gives each one task), by name; read with `db` when given (a transaction). */
  async everyRepository(projectId: string, db: Db = this.#db): Promise<RepositoryRow[]> {
    const found: RepositoryRow[] = [];
    for (let offset = 0; ; offset += WHOLE_LISTING_PAGE) {
      const { rows } = await this.#store.listRepositories(db, { projectId }, [], [], WHOLE_LISTING_PAGE, offset);
      found.push(...rows);
      if (rows.length < WHOLE_LISTING_PAGE) return found;
    }
  }

  /** The repository by its full name if it still holds an artifact. */
  async findRepository(name: string): Promise<RepositoryRow | undefined> {
    return isValidRepositoryName(name) ? await this.#store.findRepository(this.#db, name) : undefined;
  }

  /**
   * Every listed artifact of the repository (as Harbor lists them: no index
   * children or accessories on their own) with its tags and label names,
   * for work that decides over all of them (retention).
   */
  async everyListedArtifact(repository: RepositoryRow): Promise<{ artifact: ArtifactRow; tags: TagRow[]; labels: string[] }[]> {
    const artifacts = new Map<string, ArtifactRow>();
    for (let offset = 0; ; offset += WHOLE_LISTING_PAGE) {
      const { rows } = await this.#store.listArtifacts(this.#db, repository.id, [], [], WHOLE_LISTING_PAGE, offset);
      // A push meanwhile shifts the pages by one: an artifact may come twice, and is kept once.
      for (const row of rows) artifacts.set(row.id, row);
      if (rows.length < WHOLE_LISTING_PAGE) break;
    }
    const ids = [...artifacts.keys()];
    const tags = Map.groupBy(await this.#store.tagsOf(this.#db, ids), (tag) => tag.artifactId);
    const labels = Map.groupBy(await this.#labels.attachedTo(this.#db, ids), (label) => label.artifactId);
    return [...artifacts.values()].map((artifact) => ({ artifact, tags: tags.get(artifact.id) ?? [], labels: (labels.get(artifact.id) ?? []).map((label) => label.name) }));
  }

  async summary(repository: RepositoryRow): Promise<RepositorySummary> {
    return { ...repository, artifactCount: await this.#store.countArtifacts(this.#db, repository.id) };
  }

  async listRepositories(project: ProjectRow, filters: QueryTerm[], sort: SortTerm[], paging: Paging) {
    return await this.#store.listRepositories(this.#db, { projectId: project.id }, filters, sort, paging.pageSize, paging.offset);
  }

  async listAllRepositories(principal: Principal | undefined, filters: QueryTerm[], sort: SortTerm[], paging: Paging) {
    return await this.#store.listRepositories(this.#db, { visibility: visibilityOf(principal) }, filters, sort, paging.pageSize, paging.offset);
  }

  async updateRepository(repository: RepositoryRow, description: string): Promise<void> {
    await this.#content.repositories.describe(repository.id, description);
  }

  async deleteRepository(principal: Principal, project: ProjectRow, repository: RepositoryRow): Promise<void> {
    await this.#content.repositories.delete(project.id, repository, { operator: principal.username });
  }

  async listArtifacts(project: ProjectRow, repository: RepositoryRow, filters: QueryTerm[], sort: SortTerm[], paging: Paging, options: ViewOptions) {
    const { rows, total } = await this.#store.listArtifacts(this.#db, repository.id, filters, sort, paging.pageSize, paging.offset);
    return { views: await this.#views(project, rows.map((artifact) => ({ artifact, repositoryName: repository.name })), options), total };
  }

  /** Artifacts across the project's repositories (Harbor's listArtifactsOfProject). */
  async listProjectArtifacts(project: ProjectRow, filters: QueryTerm[], sort: SortTerm[], paging: Paging, options: ViewOptions & { latestInRepository: boolean }) {
    if (options.latestInRepository && filters.filter((term) => term.field === 'media_type' || term.field === 'artifact_type').length !== 1) {
      throw new BerthError('BAD_REQUEST', 'latest_in_repository needs q to filter by exactly one of media_type or artifact_type');
    }
    const { rows, total } = await this.#store.listProjectArtifacts(this.#db, project.id, filters, sort, paging.pageSize, paging.offset, options.latestInRepository);
    return { views: await this.#views(project, rows.map(({ repositoryName, ...artifact }) => ({ artifact, repositoryName })), options), total };
  }

  async artifact(repository: RepositoryRow, reference: string): Promise<ArtifactRow> {
    const found = reference.includes(':')
      ? parseDigest(reference) && (await this.#store.findArtifactByDigest(this.#db, repository.id, reference))
      : isValidTag(reference) && (await this.#store.findArtifactByTag(this.#db, repository.id, reference));
    if (!found) throw new BerthError('NOT_FOUND', `artifact ${repository.name}@${reference} not found`);
    return found;
  }

  async view(project: ProjectRow, repository: RepositoryRow, artifact: ArtifactRow, options: ViewOptions): Promise<ArtifactView> {
    return (await this.#views(project, [{ artifact, repositoryName: repository.name }], options))[0]!;
  }

  async #views(project: ProjectRow, listed: { artifact: ArtifactRow; repositoryName: string }[], options: ViewOptions): Promise<ArtifactView[]> {
    const rows = listed.map((entry) => entry.artifact);
    const ids = rows.map((row) => row.id);
    const [tags, immutable, references, accessories, labels] = await Promise.all([
      options.withTag ? this.#store.tagsOf(this.#db, ids) : Promise.resolve([]),
      options.withTag && options.withImmutableStatus ? this.#content.tags.immutableTags(this.#db, project.id) : Promise.resolve(undefined),
      this.#store.referencesOf(this.#db, rows.filter(isIndex).map((row) => row.id)),
      options.withAccessory ? this.#accessoriesOf(rows) : Promise.resolve([]),
      options.withLabel ? this.#labels.attachedTo(this.#db, ids) : Promise.resolve([]),
    ]);
    const descriptors = new Map<string, Map<string, Record<string, unknown>>>();
    for (const parentId of new Set(references.map((r) => r.parentId))) {
      const content = JSON.parse((await this.#store.manifestContent(this.#db, parentId)).toString('utf8')) as { manifests?: Record<string, unknown>[] };
      descriptors.set(parentId, new Map((content.manifests ?? []).map((d) => [String(d.digest), d])));
    }
    return listed.map(({ artifact, repositoryName }) => ({
      artifact,
      projectId: project.id,
      repositoryName,
      ...(options.withTag && { tags: tagViews(tags.filter((tag) => tag.artifactId === artifact.id), immutable?.(repositoryName)) }),
      references: references
        .filter((r) => r.parentId === artifact.id)
        .map((r) => {
          const descriptor = descriptors.get(r.parentId)?.get(r.childDigest);
          return { ...r, platform: descriptor?.platform, annotations: descriptor?.annotations, urls: descriptor?.urls };
        }),
      ...(options.withAccessory && { accessories: accessories.filter((a) => a.repositoryId === artifact.repositoryId && a.subjectDigest === artifact.digest) }),
      ...(options.withLabel && { labels: labels.filter((label) => label.artifactId === artifact.id) }),
    }));
  }

  /** Accessories live in their subject's repository: one query per repository the rows come from, one at a time so a page never holds many connections. */
  async #accessoriesOf(rows: ArtifactRow[]): Promise<ArtifactRow[]> {
    const found: ArtifactRow[] = [];
    for (const [repositoryId, inRepository] of Map.groupBy(rows, (row) => row.repositoryId)) {
      found.push(...(await this.#store.accessoriesOf(this.#db, repositoryId, inRepository.map((row) => row.digest))));
    }
    return found;
  }

  /** Deletes the artifact and, first, everything that refers to it as its subject (signatures, SBOMs). */
  async deleteArtifact(principal: Principal, project: ProjectRow, repository: RepositoryRow, artifact: ArtifactRow): Promise<void> {
    await this.removeArtifact(repository, artifact, { operator: principal.username });
  }

  /** deleteArtifact for Berth's own work (retention), which names itself or whom it acts for in `change`. */
  async removeArtifact(repository: RepositoryRow, artifact: ArtifactRow, change: ContentChange): Promise<void> {
    // Before its accessories go: content/ refuses the artifact itself in its transaction, too late to keep them.
    await this.#content.tags.refuseImmutableDeletion(this.#db, repository, repository.projectId, artifact.id);
    const accessories = await this.#store.accessoriesOf(this.#db, repository.id, [artifact.digest]);
    for (const accessory of accessories) await this.removeArtifact(repository, accessory, change);
    await this.#content.manifests.deleteArtifact(repository, artifact.digest, change);
  }

  async listTags(project: ProjectRow, repository: RepositoryRow, artifact: ArtifactRow, filters: QueryTerm[], sort: SortTerm[], paging: Paging, withImmutableStatus: boolean): Promise<{ rows: TagView[]; total: number }> {
    const { rows, total } = await this.#store.listTags(this.#db, artifact.id, filters, sort, paging.pageSize, paging.offset);
    const immutable = withImmutableStatus ? await this.#content.tags.immutableTags(this.#db, project.id) : undefined;
    return { rows: tagViews(rows, immutable?.(repository.name)), total };
  }

  async createTag(principal: Principal, project: ProjectRow, repository: RepositoryRow, artifact: ArtifactRow, name: string): Promise<void> {
    await this.#content.tags.create(repository, artifact.id, name, { operator: principal.username });
  }

  async deleteTag(principal: Principal, project: ProjectRow, repository: RepositoryRow, artifact: ArtifactRow, name: string): Promise<void> {
    if (!(await this.removeTag(repository, artifact, name, { operator: principal.username }))) throw new BerthError('NOT_FOUND', `tag ${name} not found on this artifact`);
  }

  /** deleteTag for Berth's own work (retention): false when the tag is no longer on the artifact. */
  async removeTag(repository: RepositoryRow, artifact: ArtifactRow, name: string, change: ContentChange): Promise<boolean> {
    return await this.#content.tags.delete(repository, name, change, artifact.id);
  }

  async accessories(repository: RepositoryRow, artifact: ArtifactRow): Promise<ArtifactRow[]> {
    return await this.#store.accessoriesOf(this.#db, repository.id, [artifact.digest]);
  }

  /** Harbor's additions: an image's build history, a chart's values.yaml, README and dependencies. */
  async addition(artifact: ArtifactRow, addition: string): Promise<{ contentType: string; body: string | unknown[] }> {
    if (!additionsOf(artifact).includes(addition)) throw new BerthError('NOT_FOUND', `no ${addition} for a ${artifact.type} artifact`);
    const manifest = JSON.parse((await this.#store.manifestContent(this.#db, artifact.id)).toString('utf8')) as {
      config?: { digest: string; size: number };
      layers?: { mediaType: string; digest: string; size: number }[];
    };
    if (artifact.type === 'IMAGE') {
      const config = manifest.config;
      const digest = config && parseDigest(config.digest);
      if (!digest) return { contentType: 'application/json', body: [] };
      return { contentType: 'application/json', body: buildHistoryOf(await this.#blobs.readBlob(digest, config.size, MAX_ADDITION_BLOB)) };
    }
    const layer = manifest.layers?.find((l) => l.mediaType === HELM_CHART_LAYER);
    const digest = layer && parseDigest(layer.digest);
    if (!digest) throw new BerthError('NOT_FOUND', 'the chart has no chart content layer');
    const files = await readChartFiles(await this.#blobs.readBlob(digest, layer.size, MAX_ADDITION_BLOB));
    if (addition === 'dependencies') return { contentType: 'application/json', body: files.dependencies };
    const text = addition === 'values.yaml' ? files.values : files.readme;
    if (text === undefined) throw new BerthError('NOT_FOUND', `the chart has no ${addition}`);
    return { contentType: addition === 'values.yaml' ? 'text/plain; charset=utf-8' : 'text/markdown; charset=utf-8', body: text };
  }

  /**
   * Copies an artifact (with an index's children and every accessory) from
   * `from` ("project/repo:tag" or "project/repo@digest") into this
   * repository. The caller must be able to pull the source; blobs are linked,
   * never copied.
   */
  async copy(principal: Principal, project: ProjectRow, repositoryName: string, from: string): Promise<string> {
    const match = /^(.+?)(?::([^:@/]+)|@(.+))$/.exec(from);
    if (!match) throw new BerthError('BAD_REQUEST', 'from must be <project>/<repository>:<tag> or <project>/<repository>@<digest>');
    const [, sourceName, tag, digest] = match as unknown as [string, string, string | undefined, string | undefined];
    const sourceProjectName = sourceName.split('/')[0]!;
    const sourceProject = await this.project(principal, sourceProjectName, 'repository', 'pull');
    const source = await this.repository(sourceProject, sourceName.slice(sourceProjectName.length + 1));
    const artifact = await this.artifact(source, (tag ?? digest)!);
    const target = `${project.name}/${repositoryName}`;
    if (!isValidRepositoryName(target)) throw new BerthError('BAD_REQUEST', `invalid repository name ${target}`);
    // Every manifest the copy stores (children, accessories, the artifact, its tag) is a push of its own, with its own event.
    const change = { operator: principal.username, description: `copied from ${from}` };
    await this.#copyTree(source, artifact, target, change);
    if (tag !== undefined) {
      const manifest = await this.#store.manifestContent(this.#db, artifact.id);
      await this.#content.manifests.put(target, tag, artifact.mediaType, manifest, change);
    }
    return artifact.digest;
  }

  async #copyTree(source: RepositoryRow, artifact: ArtifactRow, target: string, change: ContentChange): Promise<void> {
    for (const reference of await this.#store.referencesOf(this.#db, [artifact.id])) {
      const child = await this.#store.findArtifactByDigest(this.#db, source.id, reference.childDigest);
      if (child) await this.#copyTree(source, child, target, change);
    }
    for (const blob of await this.#store.blobsOf(this.#db, artifact.id)) await this.#content.blobs.mountBlob(target, source.name, blob.digest);
    await this.#content.manifests.put(target, artifact.digest, artifact.mediaType, await this.#store.manifestContent(this.#db, artifact.id), change);
    for (const accessory of await this.#store.accessoriesOf(this.#db, source.id, [artifact.digest])) await this.#copyTree(source, accessory, target, change);
  }
}
