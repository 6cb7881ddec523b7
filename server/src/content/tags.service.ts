import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import { requireName, type ContentChange } from './content-rules.ts';
import type { ContentStore, Executor } from './content.store.ts';
import type { WriteGate } from './read-only.ts';
import { ImmutableTagError, refuseImmutable, type ImmutableTags, type ImmutableTagTest } from './immutable-tags.ts';
import { clampPageSize } from './repositories.service.ts';

/**
 * Tags: created and deleted on their own, pointed at the artifact a manifest
 * PUT by tag stores (ManifestsService.put), and the immutable tag rules that
 * hold them, whichever API or job asks.
 */
export class TagsService {
  readonly #db: Db;
  readonly #store: ContentStore;
  readonly #immutable: ImmutableTags;
  readonly #gate: WriteGate;

  constructor(deps: { db: Db; store: ContentStore; immutable: ImmutableTags; gate: WriteGate }) {
    this.#gate = deps.gate;
    this.#db = deps.db;
    this.#store = deps.store;
    this.#immutable = deps.immutable;
  }

  /** Harbor's tag creation: never moves a tag that exists, whichever artifact it is on. */
  async create(repository: { id: string; name: string }, artifactId: string, name: string, change: ContentChange): Promise<void> {
    await this.#gate.requireWritable();
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
    await this.#gate.requireWritable();
    return await this.#db.transaction().execute(async (trx) => {
      const projectId = await this.#store.projectIdOfRepository(trx, repository.id);
      const rule = (await this.#immutable.of(trx, projectId, repository.name))?.(name);
      // An immutable tag that is not there is not found, as any other.
      if (rule && (await this.#store.hasTag(trx, repository.id, name, artifactId))) throw new ImmutableTagError(repository.name, name, rule, 'it cannot be deleted');
      if (!(await this.#store.deleteTag(trx, repository.id, name, artifactId))) return false;
      await appendEvent(trx, { type: 'delete_artifact', resourceType: 'tag', resource: `${repository.name}:${name}`, projectId, ...change });
      return true;
    });
  }

  /**
   * Points the tag at the artifact a push stores, in the push's
   * transaction. A tag an enabled immutable rule holds is created by the
   * first push and then stays where it is: pushing the digest it is on
   * again succeeds (Harbor refuses even that), any other digest is refused
   * with an ImmutableTagError.
   */
  async point(trx: Transaction<Database>, repository: { id: string; name: string }, projectId: string, name: string, artifact: { id: string; digest: string }): Promise<void> {
    const rule = (await this.#immutable.of(trx, projectId, repository.name))?.(name);
    if (!rule) return await this.#store.upsertTag(trx, repository.id, name, artifact.id);
    // Racing pushes to a new tag: the insert waits for another's uncommitted tag and then does nothing, so one
    // creates it; the select, a new statement, sees that tag once committed and refuses the others.
    while (!(await this.#store.insertTag(trx, repository.id, artifact.id, name))) {
      const current = await this.#store.lockTagForShare(trx, repository.id, name);
      if (current?.artifactId === artifact.id) return await this.#store.upsertTag(trx, repository.id, name, artifact.id);
      if (current) throw new ImmutableTagError(repository.name, name, rule, `it stays on ${current.digest}; a push of ${artifact.digest} to it is refused (push a new tag instead)`);
      // Deleted between the two statements: try creating it again.
    }
  }

  /**
   * Refuses deleting the artifact (or with 'repository', the whole
   * repository) while it carries a tag an enabled immutable rule holds.
   * `db`: the deleting transaction, with the artifact or repository locked.
   */
  async refuseImmutableDeletion(db: Executor, repository: { id: string; name: string }, projectId: string | null, artifactId: string | 'repository'): Promise<void> {
    const immutable = await this.#immutable.of(db, projectId, repository.name);
    if (!immutable) return;
    const consequence = artifactId === 'repository' ? 'the repository cannot be deleted' : 'the artifact it is on cannot be deleted';
    refuseImmutable(immutable, repository.name, await this.#store.tagNames(db, repository.id, artifactId), consequence);
  }

  /** Which tags of the project's repositories its enabled immutable rules hold (Harbor's with_immutable_status); undefined: none. */
  async immutableTags(db: Executor, projectId: string): Promise<((repositoryName: string) => ImmutableTagTest) | undefined> {
    return await this.#immutable.ofProject(db, projectId);
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
