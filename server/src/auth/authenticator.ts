import { CredentialCache } from './credential-cache.ts';
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
  readonly #cache = new CredentialCache<Principal>();
  /** Verifications in progress, so a burst of requests with the same credentials pays one hash. */
  readonly #inFlight = new Map<string, Promise<Principal | undefined>>();

  constructor(verifiers: CredentialVerifier[]) {
    this.#verifiers = verifiers;
  }

  /** Drops cached verifications of `username` in this process (after a password change, disabling, deletion). */
  forget(username: string): void {
    this.#cache.forget(username);
  }

  /** Drops every cached verification in this process (after authentication settings change). */
  forgetAll(): void {
    this.#cache.clear();
  }

  async authenticate(username: string, password: string): Promise<Principal | undefined> {
    const cached = this.#cache.get(username, password);
    if (cached) return cached;
    const key = CredentialCache.fingerprint(username, password).toString('hex');
    let pending = this.#inFlight.get(key);
    if (!pending) {
      pending = this.#verify(username, password).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, pending);
    }
    return await pending;
  }

  async #verify(username: string, password: string): Promise<Principal | undefined> {
    for (const verifier of this.#verifiers) {
      const principal = await verifier.verify(username, password);
      if (principal) {
        this.#cache.set(username, password, principal);
        return principal;
      }
    }
    return undefined;
  }
}
