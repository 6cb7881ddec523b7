import type { Db } from '../db/database.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { ADMIN_USERNAME, TIMING_DECOY_HASH } from './admin.ts';
import type { CredentialVerifier } from './authenticator.ts';
import { verifyPassword } from './password.ts';
import type { UserPrincipal } from './principal.ts';

/**
 * Users whose secret is in Berth's database: local users with their
 * password, and OIDC users with their CLI secret (which, unlike Harbor's, does
 * not expire with the ID token). LDAP users are verified by the directory.
 */
export class DatabaseUserVerifier implements CredentialVerifier {
  readonly #db: Db;
  readonly #settings: SettingsService;

  constructor(db: Db, settings: SettingsService) {
    this.#db = db;
    this.#settings = settings;
  }

  async verify(username: string, password: string): Promise<UserPrincipal | undefined> {
    const user = await this.#db
      .selectFrom('userAccount')
      .select(['id', 'username', 'passwordHash', 'cliSecretHash', 'sysadmin', 'authSource', 'groupIds'])
      .where('username', '=', username)
      .executeTakeFirst();
    let hash: string | null | undefined;
    const general = user && (await this.#settings.general());
    if (user?.authSource === 'db') {
      const allowed = general!.auth_mode === 'db_auth' || general!.local_users_enabled || user.username === ADMIN_USERNAME;
      hash = allowed ? user.passwordHash : undefined;
    } else if (user?.authSource === 'oidc' && general!.auth_mode === 'oidc_auth') {
      // CLI secrets work only while OIDC is the configured directory: switching it off locks its users out.
      hash = user.cliSecretHash;
    }
    // Unknown users cost a hash too, so response time does not reveal which names exist.
    const ok = await verifyPassword(password, hash ?? TIMING_DECOY_HASH);
    if (!user || !hash || !ok) return undefined;
    return { kind: 'user', userId: user.id, username: user.username, sysadmin: user.sysadmin, authSource: user.authSource, groupIds: user.groupIds };
  }
}
