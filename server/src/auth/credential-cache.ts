import { createHash, timingSafeEqual } from 'node:crypto';
import { UNWATCHED, type CacheFreshness } from '../events/change-listener.ts';

/**
 * Remembers credentials that verified recently, so a registry client that
 * sends Basic auth on every request pays the memory-hard hash once per TTL
 * instead of once per request (distribution's bcrypt-per-request halves its
 * throughput). Only a SHA-256 of user+password is kept, compared in constant
 * time. Changes are announced to every process (ChangeListener), which
 * forgets the user's entries at once; `ttlMs` bounds an entry anyway, and
 * while no announcement can arrive `freshness` shortens it (UNWATCHED).
 */
export class CredentialCache<T> {
  readonly #entries = new Map<string, { fingerprint: Buffer; value: T; at: number; until: number }>();
  readonly #ttlMs: number;
  readonly #capacity: number;
  readonly #freshness: CacheFreshness;

  constructor(options: { ttlMs?: number; capacity?: number; freshness?: CacheFreshness } = {}) {
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#capacity = options.capacity ?? 10_000;
    this.#freshness = options.freshness ?? UNWATCHED;
  }

  static fingerprint(username: string, password: string): Buffer {
    return createHash('sha256').update(username).update('\0').update(password).digest();
  }

  get(username: string, password: string): T | undefined {
    const entry = this.#entries.get(username);
    if (!entry) return undefined;
    const now = Date.now();
    if (now - entry.at > this.#freshness.maxAge(this.#ttlMs) || now >= entry.until) {
      this.#entries.delete(username);
      return undefined;
    }
    return timingSafeEqual(entry.fingerprint, CredentialCache.fingerprint(username, password)) ? entry.value : undefined;
  }

  /** `until`: when the credentials stop being valid by themselves (a robot's expiry); the entry goes then at the latest. */
  set(username: string, password: string, value: T, until = Number.POSITIVE_INFINITY): void {
    if (this.#entries.size >= this.#capacity) this.#entries.clear();
    this.#entries.set(username, { fingerprint: CredentialCache.fingerprint(username, password), value, at: Date.now(), until });
  }

  forget(username: string): void {
    this.#entries.delete(username);
  }

  clear(): void {
    this.#entries.clear();
  }
}
