import type { Db } from '../db/database.ts';
import { deleteInBatches } from '../jobs/batches.ts';
import { OutboxStore } from './outbox.ts';

/** Events per DELETE: short statements, so pruning never holds locks long and a stop lands between two. */
const BATCH = 5_000;

export interface OutboxPurgeResult {
  deleted: number;
  cutoff: Date;
  /** Known readers without a cursor yet: while any is there, nothing is deleted. */
  notStarted: string[];
  stopped: boolean;
}

/**
 * Prunes the outbox: deletes events that every reader this code runs has
 * applied and that are older than the age asked. The readers are those
 * known from the code, not the cursor rows present: a reader that has not
 * run yet (its row appears at its first batch) has seen nothing, so until
 * it has, nothing goes; a row left by a reader no longer in the code holds
 * nothing back.
 */
export class OutboxPurge {
  readonly #db: Db;
  readonly #store = new OutboxStore();
  readonly #readers: readonly string[];

  constructor(db: Db, readers: readonly string[]) {
    this.#db = db;
    this.#readers = readers;
  }

  async purge(ageMs: number, options: { signal: AbortSignal; onBatch?: (deletedSoFar: number) => Promise<void> }): Promise<OutboxPurgeResult> {
    const cutoff = await this.#store.cutoff(this.#db, ageMs);
    const cursors = await this.#store.cursors(this.#db, this.#readers);
    const notStarted = this.#readers.filter((reader) => !cursors.some((c) => c.consumer === reader));
    const slowest = cursors.reduce<(typeof cursors)[number] | undefined>((min, c) => (!min || before(c, min) ? c : min), undefined);
    if (notStarted.length > 0 || !slowest) return { deleted: 0, cutoff, notStarted, stopped: false };
    return { ...(await deleteInBatches((size) => this.#store.deletePassed(this.#db, slowest, cutoff, size), BATCH, options)), cutoff, notStarted };
  }
}

/** Whether cursor `a` is behind `b` in readers' (txid, id) order. */
function before(a: { txid: string; lastId: string }, b: { txid: string; lastId: string }): boolean {
  const [at, bt] = [BigInt(a.txid), BigInt(b.txid)];
  return at < bt || (at === bt && BigInt(a.lastId) < BigInt(b.lastId));
}
