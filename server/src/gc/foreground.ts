import type { Db } from '../db/database.ts';
import { ForegroundStore } from './foreground.store.ts';

/** Looked at no more often than this; every batch in between reuses the answer. */
const PROBE_INTERVAL_MS = 500;
/** An upload session touched this recently counts as a push going on. */
const UPLOAD_RECENT_SECONDS = 2;

/** Whether users are changing content right now, so garbage collection should leave them the machine. */
export interface Foreground {
  busy(): Promise<boolean>;
}

/**
 * Pushes and other changes on every replica, as the database sees them: new
 * events from users in the outbox, upload sessions active in the last two
 * seconds. One indexed query at most every half second, shared by all of a
 * run's workers.
 */
export class DatabaseForeground implements Foreground {
  readonly #db: Db;
  readonly #store = new ForegroundStore();
  #lastEventId: string | undefined;
  #busy = false;
  #checkedAt = 0;
  #checking: Promise<boolean> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  async busy(): Promise<boolean> {
    if (performance.now() - this.#checkedAt < PROBE_INTERVAL_MS) return this.#busy;
    this.#checking ??= this.#probe().finally(() => (this.#checking = undefined));
    return await this.#checking;
  }

  async #probe(): Promise<boolean> {
    this.#lastEventId ??= await this.#store.lastEventId(this.#db);
    const { active, lastEventId } = await this.#store.activity(this.#db, this.#lastEventId, UPLOAD_RECENT_SECONDS);
    this.#lastEventId = lastEventId;
    this.#busy = active;
    this.#checkedAt = performance.now();
    return active;
  }
}
