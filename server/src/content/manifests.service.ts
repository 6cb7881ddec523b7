import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { appendEvent, appendEvents } from '../events/outbox.ts';
import { BerthError } from '../errors.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { digestOf, parseDigest } from '../oci/digest.ts';
import { ManifestError, parseManifest, type ParsedManifest } from '../oci/manifest.ts';
import { artifactTypeOf, extraAttrsOf, hasDescriptiveConfig, type ArtifactType } from '../oci/artifact-type.ts';
import { MediaType } from '../oci/media-types.ts';
import { isValidTag, projectNameOf } from '../oci/names.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { InvalidOffsetError, PathNotFoundError } from '../storage/storage-driver.ts';
import { manifestUnknown, requireDeletesEnabled, requireDigest, requireName, type ContentChange, type ContentOptions } from './content-rules.ts';
import type { ContentStore, ReferrerRow } from './content.store.ts';
import type { WriteGate } from './read-only.ts';
import type { QuotaLedger } from './quota-ledger.ts';
import type { RepositoriesService } from './repositories.service.ts';
import type { TagsService } from './tags.service.ts';

/** The spec's recommended minimum; larger manifests are refused with 413. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Configs larger than this are not read for extra_attrs (real ones are a few KiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface StoredManifest {
  digest: string;
  mediaType: string;
  content: Buffer;
  subjectDigest: string | null;
}

/** A pull to count: Harbor's repository pull_count and artifact and tag pull_time. */
export interface Pull {
  repository: string;
  digest: string;
  tag: string | undefined;
  /** Who pulled, when the pull is audited (pull_audit_log_disable off). */
  operator: string | undefined;
}

/**
 * Manifests, and so artifacts: what may be pushed (every referenced blob live
 * and linked, every index child present, the quota), read and deleted, and
 * in which order things become visible.
 */
export class ManifestsService {
  readonly #db: Db;
  readonly #store: ContentStore;
  readonly #blobs: BlobStore;
  readonly #repositories: RepositoriesService;
  readonly #tags: TagsService;
  readonly #quotas: QuotaLedger;
  readonly #settings: SettingsService;
  readonly #options: ContentOptions;
  readonly #gate: WriteGate;

  constructor(deps: {
    db: Db;
    store: ContentStore;
    blobs: BlobStore;
    repositories: RepositoriesService;
    tags: TagsService;
    quotas: QuotaLedger;
    settings: SettingsService;
    options: ContentOptions;
    gate: WriteGate;
  }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#repositories = deps.repositories;
    this.#tags = deps.tags;
    this.#quotas = deps.quotas;
    this.#settings = deps.settings;
    this.#options = deps.options;
    this.#gate = deps.gate;
  }

  async get(name: string, reference: string): Promise<StoredManifest> {
    requireName(name);
    const isDigest = reference.includes(':');
    if (isDigest) requireDigest(reference);
    // A reference that cannot be a tag names nothing: 404, as clients probing for manifests expect.
    const row = isDigest
      ? await this.#store.findArtifactByDigest(this.#db, name, reference)
      : isValidTag(reference) && (await this.#store.findArtifactByTag(this.#db, name, reference));
    if (!row) throw manifestUnknown(reference);
    return { digest: row.digest, mediaType: row.mediaType, content: row.content, subjectDigest: row.subjectDigest };
  }

  /**
   * Stores a manifest (and moves its tag). `change` names who pushed, and how
   * (a copy says where from): the push's event is written with it.
   */
  async put(name: string, reference: string, contentType: string | undefined, body: Buffer, change: ContentChange): Promise<{ digest: string; subject?: string }> {
    await this.#gate.requireWritable();
    requireName(name);
    const byDigest = reference.includes(':');
    const referenceDigest = byDigest ? requireDigest(reference) : undefined;
    if (!byDigest && !isValidTag(reference)) throw new BerthError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(reference)}`);
    if (body.length > MAX_MANIFEST_BYTES) throw new BerthError('MANIFEST_TOO_LARGE', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, { status: 413 });
    let manifest;
    try {
      manifest = parseManifest(body, contentType);
    } catch (error) {
      if (error instanceof ManifestError) throw new BerthError('MANIFEST_INVALID', error.message);
      throw error;
    }
    const digest = digestOf(body, referenceDigest?.algorithm ?? 'sha256');
    if (referenceDigest && digest !== referenceDigest.value) {
      throw new BerthError('DIGEST_INVALID', 'manifest digest does not match the reference', { detail: { expected: referenceDigest.value, actual: digest } });
    }
    const repositoryId = await this.#repositories.ensure(name);
    const type = artifactTypeOf(manifest);
    const extraAttrs = await this.#readExtraAttrs(type, manifest);
    const blobDigests = [...new Set(manifest.blobs.map((d) => d.digest))];
    await this.#quotas.optimistically((optimistic) =>
      this.#db.transaction().execute(async (trx) => {
        const quota = await this.#quotas.open(trx, repositoryId, [digest, ...blobDigests], { optimistic });
        const present = await this.#store.lockLinkedBlobsForShare(trx, repositoryId, blobDigests);
        const missingBlob = blobDigests.find((d) => !present.has(d));
        if (missingBlob) throw new BerthError('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: missingBlob } });
        const childDigests = [...new Set(manifest.children.map((d) => d.digest))];
        const children = await this.#store.lockArtifactsForShare(trx, repositoryId, childDigests);
        const missingChild = childDigests.find((d) => !children.has(d));
        if (missingChild) throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { digest: missingChild } });
        // Bytes the project does not reference yet: what this push adds to its usage (index children are counted already).
        const added = await quota.unreferencedBytes([{ digest, size: body.length }, ...[...present].map(([d, size]) => ({ digest: d, size }))]);
        const artifact = await this.#store.insertArtifact(trx, {
          repositoryId,
          digest,
          mediaType: manifest.mediaType,
          artifactType: manifest.artifactType ?? null,
          subjectDigest: manifest.subject?.digest ?? null,
          content: body,
          annotations: manifest.annotations ?? null,
          type,
          extraAttrs,
          totalSize:
            manifest.kind === 'index'
              ? body.length + (await this.#store.sumTotalSizes(trx, [...children.values()]))
              : body.length + [manifest.config!, ...manifest.layers].reduce((sum, d) => sum + d.size, 0),
        });
        if (artifact.created) {
          await this.#store.insertArtifactBlobs(trx, artifact.id, blobDigests);
          await this.#store.insertArtifactReferences(trx, artifact.id, [...children.values()]);
        }
        if (!byDigest) await this.#tags.point(trx, { id: repositoryId, name }, quota.projectId, reference, { id: artifact.id, digest });
        await quota.add(added);
        await appendEvent(trx, {
          type: 'create_artifact',
          resourceType: 'artifact',
          resource: byDigest ? `${name}@${digest}` : `${name}:${reference}`,
          projectId: quota.projectId,
          ...change,
        });
      }),
    );
    return { digest, ...(manifest.subject && { subject: manifest.subject.digest }) };
  }

  /**
   * Reads the config of images and charts at push, so listings never touch
   * storage. A config that cannot be read leaves the attributes empty; the
   * transaction then refuses the push if the blob is really missing.
   */
  async #readExtraAttrs(type: ArtifactType, manifest: ParsedManifest): Promise<Record<string, unknown> | null> {
    const config = manifest.config;
    const digest = config && parseDigest(config.digest);
    if (!digest || !hasDescriptiveConfig(type) || config.size > MAX_CONFIG_BYTES) return null;
    try {
      return extraAttrsOf(type, await this.#blobs.readBlob(digest, config.size, MAX_CONFIG_BYTES));
    } catch (error) {
      if (error instanceof PathNotFoundError || error instanceof InvalidOffsetError) return null;
      throw error;
    }
  }

  /** DELETE /v2/<name>/manifests/<reference>: a tag untags, a digest deletes the artifact. */
  async delete(name: string, reference: string, change: ContentChange): Promise<void> {
    await this.#gate.requireWritable();
    requireDeletesEnabled(this.#options);
    const repositoryId = await this.#repositories.idOf(name);
    if (!reference.includes(':')) {
      if (!isValidTag(reference)) throw new BerthError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(reference)}`);
      if (!repositoryId || !(await this.#tags.delete({ id: repositoryId, name }, reference, change))) throw manifestUnknown(reference);
      return;
    }
    const digest = requireDigest(reference);
    if (!repositoryId) throw manifestUnknown(reference);
    await this.deleteArtifact({ id: repositoryId, name }, digest.value, change);
  }

  /**
   * Deletes the repository's artifact `digest` (not while an index refers to
   * it, nor while it carries an immutable tag: ImmutableTagError), taking
   * what it alone referenced off the usage.
   */
  async deleteArtifact(repository: { id: string; name: string }, digest: string, change: ContentChange): Promise<void> {
    await this.#gate.requireWritable();
    requireDeletesEnabled(this.#options);
    const deleted = await this.#deleteLocked(repository, digest, change, async (trx, artifactId, projectId) => {
      if (await this.#store.isReferencedByIndex(trx, artifactId)) {
        throw new BerthError('DENIED', 'the manifest is referenced by an index; delete the index first', { status: 409 });
      }
      await this.#tags.refuseImmutableDeletion(trx, repository, projectId, artifactId);
      return true;
    });
    if (!deleted) throw manifestUnknown(digest);
  }

  /**
   * Garbage collection's delete_untagged: deletes the artifact if, once
   * locked, it is still untagged, no index refers to it, its subject (for
   * an accessory) is gone, and it was pushed before `cutoff` — a push that
   * tagged it meanwhile wins. Whether it was deleted. Not subject to
   * storage_service.delete.enabled, which governs clients' deletes.
   */
  async deleteIfUntagged(repository: { id: string; name: string }, digest: string, cutoff: string, change: ContentChange): Promise<boolean> {
    await this.#gate.requireWritable();
    return await this.#deleteLocked(repository, digest, change, async (trx, artifactId) => await this.#store.isCollectableArtifact(trx, artifactId, cutoff));
  }

  /**
   * Deletes the artifact under the quota ledger's locks and its own row
   * lock if `allowed` (asked after both are held) says so, with its event;
   * false when there is no such artifact or it was not allowed.
   */
  async #deleteLocked(repository: { id: string; name: string }, digest: string, change: ContentChange, allowed: (trx: Transaction<Database>, artifactId: string, projectId: string) => Promise<boolean>): Promise<boolean> {
    const repositoryId = repository.id;
    // A manifest's content is fixed by its digest, so it can be read before the locks.
    const content = await this.#quotas.contentOf(repositoryId, digest);
    if (content.length === 0) return false;
    return await this.#db.transaction().execute(async (trx) => {
      const quota = await this.#quotas.open(trx, repositoryId, content.map((c) => c.digest));
      const artifactId = await this.#store.lockArtifactForUpdate(trx, repositoryId, digest);
      if (!artifactId || !(await allowed(trx, artifactId, quota.projectId))) return false;
      await this.#store.deleteArtifact(trx, artifactId);
      await quota.remove(await quota.unreferencedBytes(content));
      await appendEvent(trx, { type: 'delete_artifact', resourceType: 'artifact', resource: `${repository.name}@${digest}`, projectId: quota.projectId, ...change });
      return true;
    });
  }

  async referrers(name: string, digestValue: string, artifactType: string | undefined): Promise<Record<string, unknown>> {
    const digest = requireDigest(digestValue);
    const repositoryId = await this.#repositories.idOf(name);
    const rows: ReferrerRow[] = repositoryId ? await this.#store.listReferrers(this.#db, repositoryId, digest.value, artifactType) : [];
    return {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: rows.map((row) => ({
        mediaType: row.mediaType,
        digest: row.digest,
        size: row.size,
        ...(row.artifactType !== null && { artifactType: row.artifactType }),
        ...(row.annotations && Object.keys(row.annotations).length > 0 && { annotations: row.annotations }),
      })),
    };
  }

  /**
   * Writes a batch of pulls in the caller's transaction (the caller buffers
   * them, so pulls make no write on the request path): a few set-based
   * statements, as the pull statistics settings allow, and the audited pulls'
   * events.
   */
  async recordPulls(trx: Transaction<Database>, pulls: Pull[]): Promise<void> {
    if (pulls.length === 0) return;
    const entries = new Map<string, { repository: string; digest: string; tag: string | undefined }>();
    const counts = new Map<string, number>();
    for (const pull of pulls) {
      entries.set(`${pull.repository}\0${pull.digest}\0${pull.tag ?? ''}`, pull);
      counts.set(pull.repository, (counts.get(pull.repository) ?? 0) + 1);
    }
    const { pull_count_update_disable: noCounts, pull_time_update_disable: noTimes } = await this.#settings.general(trx);
    if (!noCounts) await this.#store.addPullCounts(trx, [...counts].map(([repository, count]) => ({ repository, count })));
    if (!noTimes) {
      await this.#store.touchArtifactPullTimes(trx, [...entries.values()]);
      const tagged = [...entries.values()].flatMap((e) => (e.tag === undefined ? [] : [{ repository: e.repository, tag: e.tag }]));
      if (tagged.length > 0) await this.#store.touchTagPullTimes(trx, tagged);
    }
    const audited = pulls.filter((pull) => pull.operator !== undefined);
    if (audited.length === 0) return;
    // One lookup per batch, not a subquery per event (PostgreSQL planned one subplan per pull: most of what recording cost).
    const projects = await this.#store.projectIdsNamed(trx, [...new Set(audited.map((pull) => projectNameOf(pull.repository)!))]);
    await appendEvents(
      trx,
      audited.map((pull) => ({
        type: 'pull_artifact',
        resourceType: 'artifact',
        resource: `${pull.repository}@${pull.digest}`,
        operator: pull.operator!,
        projectId: projects.get(projectNameOf(pull.repository)!) ?? null,
      })),
    );
  }
}
