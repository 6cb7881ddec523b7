/**
 * A value read from the database for /metrics, computed at most once per
 * `ttlMs` however many scrapes come (Prometheus servers in HA pairs, a
 * dashboard refreshing), shared by concurrent scrapes while it is being
 * computed, and given up after `timeoutMs` so a slow or lost database cannot
 * hold a scrape: the scrape then goes without these series (and the health
 * series say why).
 *
 * A scrape that finds the value older than `ttlMs` but younger than
 * `staleMs` is answered with it at once while the refresh runs behind it, so
 * a scrape costs no database round trip: its figures are one scrape interval
 * old (Harbor's exporter caches them for longer). A failed refresh drops the
 * value, so the next scrape shows the failure rather than old figures.
 */
export class Snapshot<T> {
  readonly #compute: () => Promise<T>;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #onError: (error: unknown) => void;
  #value: { at: number; value: T } | undefined;
  #pending: Promise<T> | undefined;

  constructor(compute: () => Promise<T>, options: { ttlMs: number; timeoutMs: number; staleMs: number; onError: (error: unknown) => void }) {
    this.#compute = compute;
    this.#ttlMs = options.ttlMs;
    this.#timeoutMs = options.timeoutMs;
    this.#staleMs = options.staleMs;
    this.#onError = options.onError;
  }

  /** The value, fresh within the TTL; throws when computing it failed or took longer than the timeout. */
  async get(): Promise<T> {
    const age = this.#value ? performance.now() - this.#value.at : Infinity;
    if (age < this.#ttlMs) return this.#value!.value;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
    if (age < this.#staleMs) {
      // Failures are logged and drop the value; nobody awaits this refresh.
      this.#pending.catch(() => undefined);
      return this.#value!.value;
    }
    return await this.#pending;
  }

  async #refresh(): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not computed within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      const value = await Promise.race([this.#compute(), timeout]);
      this.#value = { at: performance.now(), value };
      return value;
    } catch (error) {
      // A failed read is not kept: the next scrape tries again, and nothing stale is shown meanwhile.
      this.#value = undefined;
      this.#onError(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
