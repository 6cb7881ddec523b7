import type { Db } from '../db/database.ts';
import { deleteInBatches } from '../jobs/batches.ts';
import type { AuditStore } from './audit.store.ts';

/** Rows per DELETE: each a short transaction (tens of milliseconds), so a purge never holds locks for long and a stop lands between two. */
const BATCH = 5_000;

export interface AuditPurgeRequest {
  /** Rows older than this many hours go (database clock). */
  retentionHours: number;
  /** Harbor's include_event_types: only rows of these types go; none: nothing does. */
  eventTypes: readonly string[];
  dryRun: boolean;
}

/**
 * Harbor's audit-log purge: the rows of the chosen event types older than
 * the retention, deleted a batch per statement. A run killed halfway has
 * committed the batches before; running it again deletes the rest. A dry
 * run counts the rows the same predicate matches: the number a real run
 * right after deletes.
 */
export class AuditPurgeService {
  readonly #db: Db;
  readonly #store: AuditStore;

  constructor(db: Db, store: AuditStore) {
    this.#db = db;
    this.#store = store;
  }

  /** Deletes (or, dry, counts) the rows; a stop ends it between batches, with `stopped` and what was deleted until then. */
  async purge(request: AuditPurgeRequest, options: { signal: AbortSignal; onBatch?: (deletedSoFar: number) => Promise<void> }): Promise<{ cutoff: Date; rows: number; stopped: boolean }> {
    const cutoff = await this.#store.cutoff(this.#db, request.retentionHours);
    if (request.dryRun) return { cutoff, rows: await this.#store.countOlder(this.#db, request.eventTypes, cutoff), stopped: false };
    const { deleted, stopped } = await deleteInBatches((size) => this.#store.deleteOlder(this.#db, request.eventTypes, cutoff, size), BATCH, options);
    return { cutoff, rows: deleted, stopped };
  }
}
