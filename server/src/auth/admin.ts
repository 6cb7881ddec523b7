import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';
import { CredentialCache } from './credential-cache.ts';

export const ADMIN_USERNAME = 'admin';

/**
 * A hash of a random, discarded password with the same parameters as real
 * ones, verified when a username is unknown so that costs the same time.
 * A constant, so no extra hash is computed (and no extra 32 MiB held) at run time.
 */
const TIMING_DECOY_HASH = 'scrypt$32768$8$1$zsFA-ixCPrw8e4va7uqLKA$MBQQUKSewMK5F_A8RjGwmHJZvAoZD46CLirpW-30pnY';

export interface Principal {
  userId: string;
  username: string;
  sysadmin: boolean;
}

/**
 * Creates the first administrator once, on an empty database: with
 * BERTH_ADMIN_PASSWORD if given, else a random password printed once and
 * written (mode 0600) under the data directory. There is no default password.
 * Later starts never change it, as with Harbor's harbor_admin_password.
 */
export async function ensureAdmin(db: Db, configured: string | undefined, dataVolume: string, log: Logger): Promise<void> {
  const existing = await db.selectFrom('userAccount').select('id').where('username', '=', ADMIN_USERNAME).executeTakeFirst();
  if (existing) return;
  const password = configured ?? generatePassword();
  const inserted = await db
    .insertInto('userAccount')
    .values({ username: ADMIN_USERNAME, passwordHash: await hashPassword(password), sysadmin: true })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted || configured) return;
  mkdirSync(dataVolume, { recursive: true });
  const file = join(dataVolume, 'initial-admin-password');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  log.warn({ file }, `generated a password for user "${ADMIN_USERNAME}": ${password} (also saved in ${file}; change it after first login)`);
}

/** Verifies local username/password pairs, caching successes briefly (see CredentialCache). */
export class LocalAuthenticator {
  readonly #db: Db;
  readonly #cache = new CredentialCache<Principal>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Verifications in progress, so a burst of requests with the same credentials pays one hash. */
  readonly #inFlight = new Map<string, Promise<Principal | undefined>>();

  /** Drops cached verifications of `username` in this process (after a password change or deletion). */
  forget(username: string): void {
    this.#cache.forget(username);
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
    const user = await this.#db.selectFrom('userAccount').select(['id', 'username', 'passwordHash', 'sysadmin']).where('username', '=', username).executeTakeFirst();
    // Unknown users cost a hash too, so response time does not reveal which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? TIMING_DECOY_HASH);
    if (!user || !ok) return undefined;
    const principal = { userId: user.id, username: user.username, sysadmin: user.sysadmin };
    this.#cache.set(username, password, principal);
    return principal;
  }
}
