import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { StoredEvent } from './events.ts';
import { OutboxStore } from './outbox.ts';

/** A reader of the outbox: the audit log now; webhooks, replication triggers and scan-on-push later. */
export interface EventConsumer {
  /** The consumer's cursor name; permanent, as it is its position in the outbox. */
  readonly name: string;
  /**
   * Applies `events` (in commit order) in the reader's transaction, which
   * also advances the cursor: applying and advancing commit together, so an
   * event is applied once, or again after a failure (it throws: the batch is
   * retried at the next poll). A consumer with effects outside the database
   * must make them idempotent.
   */
  apply(trx: Transaction<Database>, events: readonly StoredEvent[]): Promise<void>;
}

const BATCH = 1_000;
/** How often drain() looks again while committed events wait for an older transaction to end. */
const HELD_BACK_RETRY_MS = 10;

/**
 * Delivers the outbox to one consumer, in commit order, at least once,
 * whatever number of Berth processes run one: each batch claims the
 * consumer's cursor row (FOR UPDATE SKIP LOCKED: a process finding it taken
 * leaves the batch to its holder), reads the events after it, applies them
 * and moves the cursor, all in one transaction.
 *
 * Events of a transaction still running when a batch reads are left for a
 * later one, together with every event after them: a long write transaction
 * anywhere on the PostgreSQL server delays readers by as long (Berth's are
 * short; nothing is ever skipped).
 */
export class EventReader {
  readonly #db: Db;
  readonly #consumer: EventConsumer;
  readonly #store = new OutboxStore();
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #polling = false;
  #stopping = false;
  #cursorReady: Promise<void> | undefined;

  constructor(db: Db, consumer: EventConsumer, log: Logger, options: { intervalMs: number }) {
    this.#db = db;
    this.#consumer = consumer;
    this.#log = log;
    this.#intervalMs = options.intervalMs;
  }

  /** Polls at once, then every interval, until stop(). Call outside any transaction. */
  start(): void {
    this.#polling = true;
    this.#stopping = false;
    this.#schedule(0);
  }

  /** Ends polling after the batch in progress, if any. */
  async stop(): Promise<void> {
    this.#polling = false;
    this.#stopping = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Returns once every event committed before the call has been applied (by
   * this process or another), waiting for a batch another process holds.
   */
  async drain(): Promise<void> {
    for (;;) {
      const step = await this.#step(true);
      if (step.state === 'idle') return;
      if (step.state === 'held back') await sleep(HELD_BACK_RETRY_MS);
    }
  }

  /**
   * Applies, batch after batch, what can be applied now without waiting: not
   * events behind a transaction still running, nor while another process
   * holds the consumer's cursor. Returns how many events it applied.
   */
  async applyAvailable(): Promise<number> {
    let applied = 0;
    while (!this.#stopping) {
      const step = await this.#step(false);
      if (step.state !== 'applied') break;
      applied += step.count;
    }
    return applied;
  }

  #schedule(delay: number): void {
    if (!this.#polling) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#poll().finally(() => this.#schedule(this.#intervalMs));
    }, delay);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      await this.applyAvailable();
    } catch (error) {
      this.#log.error({ err: error, consumer: this.#consumer.name }, 'could not apply events');
    }
  }

  /** One batch: 'applied' `count` events, none left ('idle'), only events waiting for older transactions ('held back', asked only when waiting), or cursor 'taken'. */
  async #step(wait: boolean): Promise<{ state: 'applied'; count: number } | { state: 'idle' | 'held back' | 'taken' }> {
    this.#cursorReady ??= this.#store.ensureCursor(this.#db, this.#consumer.name).catch((error: unknown) => {
        this.#cursorReady = undefined;
        throw error;
      });
    await this.#cursorReady;
    if (!wait && !(await this.#store.ready(this.#db, this.#consumer.name))) return { state: 'idle' };
    return await this.#db.transaction().execute(async (trx) => {
      const cursor = await this.#store.claimCursor(trx, this.#consumer.name, wait);
      if (!cursor) return { state: 'taken' };
      const events = await this.#store.after(trx, cursor, BATCH);
      const last = events.at(-1);
      if (!last) return { state: wait && (await this.#store.heldBack(trx, cursor)) ? 'held back' : 'idle' };
      await this.#consumer.apply(
        trx,
        events.map(({ txid: _txid, ...event }) => event as StoredEvent),
      );
      await this.#store.advance(trx, this.#consumer.name, { txid: last.txid, id: last.id });
      return { state: 'applied', count: events.length };
    });
  }
}
