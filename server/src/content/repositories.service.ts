import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import { projectNameOf } from '../oci/names.ts';
import type { Visibility } from '../projects/projects.store.ts';
import { requireName, type ContentChange } from './content-rules.ts';
import type { ContentStore } from './content.store.ts';
import type { WriteGate } from './read-only.ts';
import type { QuotaLedger } from './quota-ledger.ts';
import type { TagsService } from './tags.service.ts';

/** Page size ceiling for tag and catalog listings, whatever `n` asks for. */
export const MAX_PAGE_SIZE = 1000;

export function clampPageSize(n: number | undefined): number {
  if (n === undefined) return MAX_PAGE_SIZE;
  return Math.min(Math.max(n, 0), MAX_PAGE_SIZE);
}

/**
 * Repositories: created by the first push into an existing project, described
 * and deleted through Harbor's API, emptied out with their project, listed in
 * /v2/_catalog.
 */
export class RepositoriesService {
  readonly #db: Db;
  readonly #store: ContentStore;
  readonly #quotas: QuotaLedger;
  readonly #tags: TagsService;
  readonly #gate: WriteGate;

  constructor(deps: { db: Db; store: ContentStore; quotas: QuotaLedger; tags: TagsService; gate: WriteGate }) {
    this.#gate = deps.gate;
    this.#db = deps.db;
    this.#store = deps.store;
    this.#quotas = deps.quotas;
    this.#tags = deps.tags;
  }

  /** Per project: repositories, their pulls, and artifacts by type (/metrics). */
  async totalsByProject(): Promise<{
    repositories: { projectId: string; repositories: number; pulls: number }[];
    artifacts: { projectId: string; type: string; artifacts: number }[];
  }> {
    const [repositories, artifacts] = await Promise.all([this.#store.repositoryTotalsByProject(this.#db), this.#store.artifactTotalsByProject(this.#db)]);
    return { repositories, artifacts };
  }

  async idOf(name: string): Promise<string | undefined> {
    requireName(name);
    return await this.#store.findRepositoryId(this.#db, name);
  }

  /** Pushing creates the repository, but only inside an existing project (as in Harbor). */
  async ensure(name: string): Promise<string> {
    requireName(name);
    const projectName = projectNameOf(name);
    const id = projectName === undefined ? undefined : await this.#store.ensureRepository(this.#db, name, projectName);
    if (!id) throw new BerthError('NAME_UNKNOWN', `project ${projectName ?? name} not found; create it first`, { status: 404 });
    return id;
  }

  async describe(repositoryId: string, description: string): Promise<void> {
    await this.#gate.requireWritable();
    await this.#store.updateRepositoryDescription(this.#db, repositoryId, description);
  }

  /**
   * Deletes the repository with its artifacts and tags, taking their bytes
   * off the project's usage; not while it holds an immutable tag
   * (ImmutableTagError), as Harbor, which deletes artifact by artifact, ends.
   */
  async delete(projectId: string, repository: { id: string; name: string }, change: ContentChange): Promise<void> {
    await this.#gate.requireWritable();
    await this.#db.transaction().execute(async (trx) => {
      // The whole project is locked for the ledger: the repository's content must not change between reading and deleting it.
      const quota = await this.#quotas.open(trx, repository.id, 'project');
      await this.#tags.refuseImmutableDeletion(trx, repository, projectId, 'repository');
      const content = await quota.contentOfRepository(repository.id);
      await this.#store.deleteRepository(trx, repository.id);
      await appendEvent(trx, { type: 'delete_repository', resourceType: 'repository', resource: repository.name, projectId, ...change });
      await quota.remove(await quota.unreferencedBytes(content));
    });
  }

  /**
   * Deletes the project's repositories that hold no artifact (blob links and
   * uploads only), in the caller's transaction that deletes the project.
   * Nothing the quota counts goes.
   */
  async deleteEmpty(trx: Transaction<Database>, projectId: string): Promise<void> {
    await this.#store.deleteEmptyRepositories(trx, projectId);
  }

  async catalog(visibility: Visibility, n: number | undefined, last: string | undefined): Promise<{ repositories: string[]; more: boolean; limit: number }> {
    const limit = clampPageSize(n);
    if (limit === 0) return { repositories: [], more: false, limit };
    const names = await this.#store.listRepositories(this.#db, visibility, last, limit + 1);
    return { repositories: names.slice(0, limit), more: names.length > limit, limit };
  }
}
