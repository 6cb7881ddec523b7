import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import { requireName, type ContentChange } from './content-rules.ts';
import type { ContentStore } from './content.store.ts';
import { clampPageSize } from './repositories.service.ts';

/** Tags created and deleted on their own (a manifest PUT by tag moves one too: ManifestsService.put). */
export class TagsService {
  readonly #db: Db;
  readonly #store: ContentStore;

  constructor(deps: { db: Db; store: ContentStore }) {
    this.#db = deps.db;
    this.#store = deps.store;
  }

  /** Harbor's tag creation: never moves a tag that exists, whichever artifact it is on. */
  async create(repository: { id: string; name: string }, artifactId: string, name: string, change: ContentChange): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.insertTag(trx, repository.id, artifactId, name))) throw new BerthError('CONFLICT', `tag ${name} already exists in ${repository.name}`);
      await appendEvent(trx, { type: 'create_artifact', resourceType: 'tag', resource: `${repository.name}:${name}`, projectId: await this.#store.projectIdOfRepository(trx, repository.id), ...change });
    });
  }

  /**
   * Deletes the tag (with `artifactId`, only while it is on that artifact).
   * False when there is no such tag, which each API answers in its own words.
   * Untagging frees nothing, so storage_service.delete.enabled does not stop
   * it here; /v2 checks it for every DELETE (ManifestsService.delete).
   */
  async delete(repository: { id: string; name: string }, name: string, change: ContentChange, artifactId?: string): Promise<boolean> {
    return await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.deleteTag(trx, repository.id, name, artifactId))) return false;
      await appendEvent(trx, { type: 'delete_artifact', resourceType: 'tag', resource: `${repository.name}:${name}`, projectId: await this.#store.projectIdOfRepository(trx, repository.id), ...change });
      return true;
    });
  }

  /** /v2/<name>/tags/list: byte order, `n` at most, after `last`. */
  async list(name: string, n: number | undefined, last: string | undefined): Promise<{ tags: string[]; more: boolean; limit: number }> {
    requireName(name);
    const repositoryId = await this.#store.findRepositoryId(this.#db, name);
    if (!repositoryId) throw new BerthError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
    const limit = clampPageSize(n);
    if (limit === 0) return { tags: [], more: false, limit };
    const tags = await this.#store.listTags(this.#db, repositoryId, last, limit + 1);
    return { tags: tags.slice(0, limit), more: tags.length > limit, limit };
  }
}
