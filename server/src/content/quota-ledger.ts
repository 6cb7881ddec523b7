import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { quotaExceeded } from '../quotas/quota-exceeded.ts';
import type { Content, QuotaUsageStore } from './quota-usage.store.ts';

/**
 * Changes touching more digests than this lock the whole project instead of
 * each digest: PostgreSQL keeps advisory locks in a shared table of bounded size.
 */
const MAX_DIGEST_LOCKS = 64;

/** An optimistic change found a digest it locked shared unreferenced after all; its transaction must be run again. */
class OptimismFailed extends Error {}

/**
 * Keeps each project's storage usage exact while artifacts come and go, and
 * refuses pushes over the hard limit. Used inside content's own
 * transactions, always as their first lock; see docs/architecture.md ("Quotas").
 */
export class QuotaLedger {
  readonly #db: Db;
  readonly #store: QuotaUsageStore;
  readonly #settings: SettingsService;

  constructor(db: Db, store: QuotaUsageStore, settings: SettingsService) {
    this.#db = db;
    this.#store = store;
    this.#settings = settings;
  }

  /**
   * Starts a change to what the repository's project references, touching
   * `digests` (or, with 'project', anything in the project). Call it before
   * the transaction locks any row: every ledger change takes these locks
   * first, so lock waits never form a cycle.
   *
   * Changes that only add references may be `optimistic`: digests the
   * project already references are then locked shared, so pushes of images
   * on a common base do not queue behind each other. Run such transactions
   * through `optimistically`.
   */
  async open(trx: Transaction<Database>, repositoryId: string, digests: string[] | 'project', options: { optimistic?: boolean } = {}): Promise<QuotaChange> {
    const projectId = await this.#store.projectOfRepository(trx, repositoryId);
    if (!projectId) throw new BerthError('NAME_UNKNOWN', 'repository name not known to registry');
    const unique = digests === 'project' ? [] : [...new Set(digests)];
    const whole = digests === 'project' || unique.length > MAX_DIGEST_LOCKS;
    const shared = await this.#store.lock(trx, projectId, whole ? undefined : unique, options.optimistic === true);
    return new QuotaChange(trx, projectId, shared, this.#store, this.#settings);
  }

  /**
   * Runs `transaction(true)`, an optimistic change; in the rare case that a
   * digest it locked shared lost its last reference just before the lock
   * was granted, runs `transaction(false)` again with exclusive locks.
   */
  async optimistically<T>(transaction: (optimistic: boolean) => Promise<T>): Promise<T> {
    try {
      return await transaction(true);
    } catch (error) {
      if (!(error instanceof OptimismFailed)) throw error;
      return await transaction(false);
    }
  }

  /** What the repository's manifest `digest` references (itself, its config and layers); empty when there is no such manifest. */
  async contentOf(repositoryId: string, digest: string): Promise<Content[]> {
    return await this.#store.contentOfArtifact(this.#db, repositoryId, digest);
  }

  /**
   * Harbor's check at blob upload completion (and mount): a blob the project
   * does not reference yet must fit beside the current usage. Nothing is
   * reserved — the manifest push that references the blob is where usage
   * grows and where the limit holds under concurrency — so this only spares
   * clients pushing layers that could never be referenced. `db`: the
   * caller's transaction when it has one, so it needs no second connection.
   */
  async requireRoomForBlob(repositoryId: string, digest: string, size: number, db: Db | Transaction<Database> = this.#db): Promise<void> {
    if (!(await this.#settings.general(db)).quota_per_project_enable) return;
    const projectId = await this.#store.projectOfRepository(db, repositoryId);
    const quota = projectId && (await this.#store.findQuota(db, projectId));
    if (!quota || quota.hard < 0 || quota.used + size <= quota.hard) return;
    if ((await this.#store.unreferenced(db, projectId, [{ digest, size }])).length > 0) throw quotaExceeded(size, quota.used, quota.hard);
  }
}

/** One transaction's change to a project's usage, with the locks of QuotaLedger.open held. */
export class QuotaChange {
  /** The project whose usage changes (the repository's, read under the ledger's locks). */
  readonly projectId: string;
  readonly #trx: Transaction<Database>;
  /** Digests locked shared: this change may add references to them, never be the first or remove the last. */
  readonly #shared: ReadonlySet<string>;
  readonly #store: QuotaUsageStore;
  readonly #settings: SettingsService;

  constructor(trx: Transaction<Database>, projectId: string, shared: ReadonlySet<string>, store: QuotaUsageStore, settings: SettingsService) {
    this.#trx = trx;
    this.projectId = projectId;
    this.#shared = shared;
    this.#store = store;
    this.#settings = settings;
  }

  /**
   * Of `content`, the bytes no artifact of the project references (now, in
   * this transaction). Under the locks, nobody else can change that for
   * these digests until commit.
   */
  async unreferencedBytes(content: Content[]): Promise<number> {
    const unreferenced = await this.#store.unreferenced(this.#trx, this.projectId, content);
    // A shared lock guards a reference, not its absence: another optimistic push may be counting the same digest.
    if (unreferenced.some((c) => this.#shared.has(c.digest))) throw new OptimismFailed();
    return unreferenced.reduce((sum, c) => sum + c.size, 0);
  }

  /** What all artifacts of one of the project's repositories reference; exact when the change was opened for the whole project. */
  async contentOfRepository(repositoryId: string): Promise<Content[]> {
    return await this.#store.contentOfRepository(this.#trx, repositoryId);
  }

  /** Adds bytes to the usage, refusing with 403 DENIED beyond the hard limit. Call it last, just before commit. */
  async add(bytes: number): Promise<void> {
    if (bytes === 0) return;
    const enforce = (await this.#settings.general(this.#trx)).quota_per_project_enable;
    const result = await this.#store.addUsage(this.#trx, this.projectId, bytes, enforce);
    if (!result) throw new BerthError('NAME_UNKNOWN', 'the project no longer exists');
    if (!result.applied) throw quotaExceeded(bytes, result.used, result.hard);
  }

  /** Takes freed bytes off the usage. Call it last, just before commit. */
  async remove(bytes: number): Promise<void> {
    if (bytes === 0) return;
    await this.#store.addUsage(this.#trx, this.projectId, -bytes, false);
  }
}
