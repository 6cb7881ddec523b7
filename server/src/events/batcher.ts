import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';

/**
 * Collects what a request path must record without writing to the database
 * itself (pulls: their counts, times and events) and writes each interval's
 * items in one transaction. The items live only in this process's memory
 * until then: a process killed (SIGKILL, power loss) loses at most the last
 * interval's items — which is why only pulls, whose brief allows batching,
 * go through here, never a change (changes append their events in their own
 * transaction). A clean shutdown writes them (close()).
 */
export class Batcher<Item> {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #what: string;
  readonly #intervalMs: number;
  readonly #maxItems: number;
  readonly #write: (trx: Transaction<Database>, items: Item[]) => Promise<void>;
  #items: Item[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    db: Db,
    log: Logger,
    options: { what: string; intervalMs: number; maxItems: number; write: (trx: Transaction<Database>, items: Item[]) => Promise<void> },
  ) {
    this.#db = db;
    this.#log = log;
    this.#what = options.what;
    this.#intervalMs = options.intervalMs;
    this.#maxItems = options.maxItems;
    this.#write = options.write;
  }

  /** Keeps `item` for the next flush; beyond maxItems per interval, items are dropped (memory stays bounded under any load). */
  add(item: Item): void {
    if (this.#items.length >= this.#maxItems) return;
    this.#items.push(item);
    this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Writes what was added so far (in one transaction); flushes run one after another. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#items;
    this.#items = [];
    this.#flushing = this.#flushing.then(async () => {
      if (items.length === 0) return;
      try {
        await this.#db.transaction().execute((trx) => this.#write(trx, items));
      } catch (error) {
        this.#log.error({ err: error, items: items.length }, `could not record ${this.#what}`);
      }
    });
    await this.#flushing;
  }
}
