import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { appendEvent } from '../../events/outbox.ts';
import type { Logger } from '../../logger.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { CredentialVerifier } from '../authenticator.ts';
import type { UserPrincipal } from '../principal.ts';
import type { LdapDirectory } from './ldap-directory.ts';
import { LdapAmbiguousUserError, LdapError } from './ldap-errors.ts';
import { normalizeDn } from './ldap-filter.ts';
import type { LdapAuthenticatedUser } from './ldap.provider.ts';
import type { LdapUsersStore } from './ldap-users.store.ts';

const UNIQUE_VIOLATION = '23505';

/**
 * Logins checked against the LDAP directory while auth_mode is ldap_auth.
 * It runs after DatabaseUserVerifier, and a name held by a local (or OIDC)
 * account is never looked up in the directory: the local account wins, so a
 * directory entry cannot take over an existing account, and the first admin
 * always logs in locally. A successful login creates or refreshes the user's
 * row from the directory: DN, e-mail, real name, the imported LDAP groups
 * the user is in (nested ones included) and the admin flag the directory's
 * admin group grants. An unreachable or misconfigured directory refuses the
 * login and is logged; it never fails the request.
 */
export class LdapUserVerifier implements CredentialVerifier {
  readonly #db: Db;
  readonly #directory: LdapDirectory;
  readonly #settings: SettingsService;
  readonly #store: LdapUsersStore;
  readonly #log: Logger;

  constructor(deps: { db: Db; directory: LdapDirectory; settings: SettingsService; store: LdapUsersStore; log: Logger }) {
    this.#db = deps.db;
    this.#directory = deps.directory;
    this.#settings = deps.settings;
    this.#store = deps.store;
    this.#log = deps.log;
  }

  async verify(username: string, password: string): Promise<UserPrincipal | undefined> {
    let found: LdapAuthenticatedUser;
    let admin: boolean;
    try {
      const client = await this.#directory.client();
      if (!client) return undefined;
      if (await this.#heldByAnotherSource(this.#db, username)) return undefined;
      found = await client.authenticate(username, password);
      admin = client.isAdmin(found.groupDNs);
    } catch (error) {
      if (error instanceof LdapAmbiguousUserError) this.#log.warn({ err: error }, 'LDAP login refused: the name is ambiguous in the directory');
      else if (!(error instanceof LdapError && error.status === 401)) this.#log.warn({ err: error }, 'LDAP login refused: the directory could not be asked');
      return undefined;
    }
    const { robot_name_prefix: robotPrefix } = await this.#settings.general();
    if (found.username.startsWith(robotPrefix)) {
      this.#log.warn({ username: found.username }, 'LDAP login refused: the name starts with the robot account prefix');
      return undefined;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#onboard(found, admin);
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
        // Two first logins of the same user at once: the second attempt finds the first's row.
        if (attempt === 1) continue;
        // Still taken: another directory account holds the name (an entry renamed into it), which only an administrator can sort out.
        this.#log.warn({ err: error, username: found.username }, 'LDAP login refused: the account’s name or DN is held by another account');
        return undefined;
      }
    }
  }

  async #heldByAnotherSource(db: Db | Transaction<Database>, username: string): Promise<boolean> {
    const source = await this.#store.sourceOf(db, username);
    return source !== undefined && source !== 'ldap';
  }

  async #onboard(found: LdapAuthenticatedUser, admin: boolean): Promise<UserPrincipal | undefined> {
    const externalId = normalizeDn(found.dn);
    const groupDns = found.groupDNs.flatMap((dn) => {
      try {
        return [normalizeDn(dn)];
      } catch {
        return [];
      }
    });
    return await this.#db.transaction().execute(async (trx) => {
      // Checked again with the directory's spelling of the name, which may differ from what was typed.
      if (await this.#heldByAnotherSource(trx, found.username)) return undefined;
      const account = await this.#store.findForUpdate(trx, externalId, found.username);
      const groupIds = await this.#store.ldapGroupIds(trx, groupDns);
      // The directory takes back only the admin flag it gave: one set by an administrator stays.
      let sysadmin = account?.sysadmin ?? false;
      let adminRoleInAuth = account?.adminRoleInAuth ?? false;
      if (admin && !sysadmin) [sysadmin, adminRoleInAuth] = [true, true];
      else if (!admin && adminRoleInAuth) [sysadmin, adminRoleInAuth] = [false, false];
      const values = { username: found.username, externalId, email: found.email, realname: found.realname, groupIds, sysadmin, adminRoleInAuth };
      let userId: string;
      if (account) {
        userId = account.id;
        await this.#store.update(trx, userId, values);
        if (account.sysadmin !== sysadmin) {
          const description = `sysadmin_flag=${sysadmin} (LDAP admin group)`;
          await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: found.username, operator: found.username, description });
        }
      } else {
        userId = await this.#store.insert(trx, values);
        await appendEvent(trx, { type: 'create_user', resourceType: 'user', resource: found.username, operator: found.username, description: 'first LDAP login' });
      }
      return { kind: 'user', userId, username: found.username, sysadmin, authSource: 'ldap', groupIds };
    });
  }
}
