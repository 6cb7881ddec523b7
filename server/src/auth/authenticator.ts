import { CredentialCache } from './credential-cache.ts';
import type { CacheFreshness } from '../events/change-listener.ts';
import type { Principal } from './principal.ts';

/**
 * One source of username/password logins: local users, LDAP, robots, OIDC
 * CLI secrets. `verify` answers undefined for credentials it does not accept,
 * never throws for wrong ones.
 */
export interface CredentialVerifier {
  verify(username: string, password: string): Promise<Principal | undefined>;
}

/**
 * Tries each verifier in order and caches successes briefly (see
 * CredentialCache), so registry clients sending Basic credentials on every
 * request pay one memory-hard hash or directory bind per minute, not one per request.
 */
export class Authenticator {
  readonly #verifiers: CredentialVerifier[];
  readonly #cache: CredentialCache<Principal>;
  /** Verifications in progress, so a burst of requests with the same credentials pays one hash. */
  readonly #inFlight = new Map<string, Promise<Principal | undefined>>();
  /**
   * Counts invalidations: a verification that read the database before one
   * (the old password still there) must not be cached after it.
   */
  #epoch = 0;

  constructor(verifiers: CredentialVerifier[], freshness?: CacheFreshness) {
    this.#verifiers = verifiers;
    this.#cache = new CredentialCache<Principal>(freshness && { freshness });
  }

  /** Drops cached verifications of `username` in this process (after a password change, disabling, deletion). */
  forget(username: string): void {
    this.#epoch++;
    this.#inFlight.clear();
    this.#cache.forget(username);
  }

  /** Drops every cached verification in this process (after authentication settings change). */
  forgetAll(): void {
    this.#epoch++;
    this.#inFlight.clear();
    this.#cache.clear();
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const cached = this.#cache.get(username, password);
    if (cached) return cached;
    const key = CredentialCache.fingerprint(username, password).toString('hex');
    let pending = this.#inFlight.get(key);
    if (!pending) {
      const started: Promise<Principal | undefined> = this.#verify(username, password).finally(() => {
        if (this.#inFlight.get(key) === started) this.#inFlight.delete(key);
      });
      pending = started;
      this.#inFlight.set(key, pending);
    }
    return await pending;
  }

  async #verify(username: string, password: string): Promise<Principal | undefined> {
    const epoch = this.#epoch;
    for (const verifier of this.#verifiers) {
      const principal = await verifier.verify(username, password);
      if (principal) {
        if (epoch === this.#epoch) this.#cache.set(username, password, principal, principal.kind === 'robot' ? (principal.expiresAt?.getTime() ?? undefined) : undefined);
        return principal;
      }
    }
    return undefined;
  }
}
