import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { EventType } from './events.ts';

/**
 * The channel on which committed changes that replicas cache are announced
 * (outbox.ts appendEvents issues the pg_notify in the change's transaction:
 * PostgreSQL delivers it only at commit, so no process hears of a change
 * before it can read it, and none misses a committed one while it listens).
 */
export const CHANGES_CHANNEL = 'berth_changes';

/**
 * The event types other processes cache the outcome of: logins (users,
 * robots, CLI secrets) and run-time settings. Only these are announced: a
 * NOTIFY serialises the commits of the transactions that issue one, which
 * pushes and pulls must not pay.
 */
export const ANNOUNCED_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['update_user', 'delete_user', 'update_robot', 'delete_robot', 'update_configuration']);

/** A change as announced: the event's type and resource name (a user's or robot's login name, `configurations`). */
export interface AnnouncedChange {
  type: EventType;
  resource: string;
}

/** How long a cache entry may be served while nothing can invalidate it. */
export const UNWATCHED_MAX_AGE_MS = 2_000;

/** What a cache asks before serving an entry: how old it may be, given the cache's own bound. */
export interface CacheFreshness {
  maxAge(boundMs: number): number;
}

/** No invalidation reaches this process (a command such as berth gc, or the listener is down): short entries only. */
export const UNWATCHED: CacheFreshness = { maxAge: (boundMs) => Math.min(boundMs, UNWATCHED_MAX_AGE_MS) };

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;
/** A connection that silently died (a half-open TCP socket) is noticed by this probe, not only by the kernel. */
const HEARTBEAT_MS = 10_000;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * This process's ear for announced changes: one connection of its own (not
 * the pool's: a pooled connection is reset and handed to requests, and LISTEN
 * belongs to one session), named `berth-listener <pid>` in pg_stat_activity.
 * Caches subscribe to the types they hold and clear what a change concerns.
 * While the connection is down entries are served for UNWATCHED_MAX_AGE_MS
 * at most; it reconnects with back-off and, once listening again, every
 * cache is cleared, since announcements made meanwhile were lost.
 */
export class ChangeListener implements CacheFreshness {
  readonly #url: string;
  readonly #log: Logger;
  readonly #handlers = new Map<EventType, ((change: AnnouncedChange) => void)[]>();
  readonly #resets: (() => void)[] = [];
  #client: pg.Client | undefined;
  #listening = false;
  #listenedBefore = false;
  #stopped = false;
  #retryMs = FIRST_RETRY_MS;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(url: string, log: Logger) {
    this.#url = url;
    this.#log = log;
  }

  /** The name of the listening session, by which operators (and tests) find it. */
  static applicationName(pid: number = process.pid): string {
    return `berth-listener ${pid}`;
  }

  get listening(): boolean {
    return this.#listening;
  }

  maxAge(boundMs: number): number {
    return this.#listening ? boundMs : UNWATCHED.maxAge(boundMs);
  }

  /** Calls `handler` for each announced change of these types. */
  on(types: readonly EventType[], handler: (change: AnnouncedChange) => void): void {
    for (const type of types) {
      // A type never announced would leave its cache stale without a sign: refuse it at wiring time.
      if (!ANNOUNCED_EVENT_TYPES.has(type)) throw new Error(`${type} events are not announced; add the type to ANNOUNCED_EVENT_TYPES`);
      this.#handlers.set(type, [...(this.#handlers.get(type) ?? []), handler]);
    }
  }

  /** Calls `handler` when announcements may have been missed: the cache must drop everything. */
  onReset(handler: () => void): void {
    this.#resets.push(handler);
  }

  /** Connects once (retrying in the background on failure); resolves either way. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#heartbeat);
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({
      connectionString: this.#url,
      application_name: ChangeListener.applicationName(),
      keepAlive: true,
      connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      query_timeout: PROBE_TIMEOUT_MS,
    });
    this.#client = client;
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost || this.#client !== client) return;
      lost = true;
      this.#lost(client, error);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => this.#deliver(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (lost || this.#stopped) return;
    this.#listening = true;
    if (this.#listenedBefore) this.#log.info("listening for other processes' changes again; every cache cleared");
    this.#listenedBefore = true;
    this.#retryMs = FIRST_RETRY_MS;
    // Only now: announcements made before LISTEN took effect were not heard, so nothing cached before may be trusted.
    this.#reset();
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => onLost(error));
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    const wasListening = this.#listening;
    this.#listening = false;
    clearInterval(this.#heartbeat);
    this.#client = undefined;
    client.end().catch(() => undefined);
    if (this.#stopped) return;
    if (wasListening) this.#log.warn({ err: error }, `lost the connection that hears other processes' changes; caches keep entries for ${UNWATCHED_MAX_AGE_MS / 1000} s until it is back`);
    const delay = this.#retryMs * (0.5 + Math.random() / 2);
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }

  #deliver(payload: string | undefined): void {
    let change: Partial<AnnouncedChange> | undefined;
    try {
      change = JSON.parse(payload ?? '') as Partial<AnnouncedChange>;
    } catch {
      change = undefined;
    }
    if (typeof change?.type !== 'string' || typeof change.resource !== 'string') {
      // Perhaps a newer Berth's format (rolling upgrades): what it concerns is unknown, so nothing cached may be trusted.
      this.#log.warn({ payload }, 'unreadable change announcement: clearing every cache');
      this.#reset();
      return;
    }
    for (const handler of this.#handlers.get(change.type) ?? []) handler(change as AnnouncedChange);
  }

  #reset(): void {
    for (const reset of this.#resets) reset();
  }
}
