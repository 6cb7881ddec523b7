import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Remembers credentials that verified recently, so a registry client that
 * sends Basic auth on every request pays the memory-hard hash once per TTL
 * instead of once per request (distribution's bcrypt-per-request halves its
 * throughput). Only a SHA-256 of user+password is kept, compared in constant
 * time, and an entry dies after `ttlMs`, so a changed password stops working
 * within that window.
 */
export class CredentialCache<T> {
  readonly #entries = new Map<string, { fingerprint: Buffer; value: T; expires: number }>();
  readonly #ttlMs: number;
  readonly #capacity: number;

  constructor(ttlMs = 60_000, capacity = 10_000) {
    this.#ttlMs = ttlMs;
    this.#capacity = capacity;
  }

  static fingerprint(username: string, password: string): Buffer {
    return createHash('sha256').update(username).update('\0').update(password).digest();
  }

  get(username: string, password: string): T | undefined {
    const entry = this.#entries.get(username);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.#entries.delete(username);
      return undefined;
    }
    return timingSafeEqual(entry.fingerprint, CredentialCache.fingerprint(username, password)) ? entry.value : undefined;
  }

  set(username: string, password: string, value: T): void {
    if (this.#entries.size >= this.#capacity) this.#entries.clear();
    this.#entries.set(username, { fingerprint: CredentialCache.fingerprint(username, password), value, expires: Date.now() + this.#ttlMs });
  }

  forget(username: string): void {
    this.#entries.delete(username);
  }

  clear(): void {
    this.#entries.clear();
  }
}
