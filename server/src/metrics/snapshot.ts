/**
 * A value read from the database for /metrics, computed at most once per
 * `ttlMs` however many scrapes come (Prometheus servers in HA pairs, a
 * dashboard refreshing), shared by concurrent scrapes while it is being
 * computed, and given up after `timeoutMs` so a slow or lost database cannot
 * hold a scrape: the scrape then goes without these series (and the health
 * series say why).
 */
export class Snapshot<T> {
  readonly #compute: () => Promise<T>;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;
  readonly #onError: (error: unknown) => void;
  #value: { at: number; value: T } | undefined;
  #pending: Promise<T> | undefined;

  constructor(compute: () => Promise<T>, options: { ttlMs: number; timeoutMs: number; onError: (error: unknown) => void }) {
    this.#compute = compute;
    this.#ttlMs = options.ttlMs;
    this.#timeoutMs = options.timeoutMs;
    this.#onError = options.onError;
  }

  /** The value, fresh within the TTL; throws when computing it failed or took longer than the timeout. */
  async get(): Promise<T> {
    if (this.#value && performance.now() - this.#value.at < this.#ttlMs) return this.#value.value;
    this.#pending ??= this.#refresh().finally(() => {
      this.#pending = undefined;
    });
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
