import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { directoryFailure, type LdapDirectory } from '../auth/ldap/ldap-directory.ts';
import { normalizeDn } from '../auth/ldap/ldap-filter.ts';
import { ldapSettingsSchema } from '../auth/ldap/ldap-settings.ts';
import { LdapClient, looksLikeDn, type LdapGroup, type LdapUser } from '../auth/ldap/ldap.provider.ts';
import type { LdapUsersStore } from '../auth/ldap/ldap-users.store.ts';
import { parseInput } from '../http/validate.ts';
import type { SettingsService } from '../settings/settings.service.ts';

const LDAP_KEYS = Object.keys(ldapSettingsSchema.shape);

/**
 * Harbor's LdapConf: settings to test before saving them. Any LDAP key is
 * taken; ldap_connection_timeout is LdapConf's name for ldap_timeout. Values
 * are checked together with the saved ones they complete.
 */
export const ldapConfSchema = z.strictObject(
  Object.fromEntries([...LDAP_KEYS, 'ldap_connection_timeout'].map((key) => [key, z.unknown().optional()])) as Record<string, z.ZodOptional<z.ZodUnknown>>,
);

/** How many users one import request may name: each is a directory search. */
const MAX_IMPORT = 100;

export const ldapImportSchema = z.object({
  ldap_uid_list: z.array(z.string().min(1).max(255)).min(1).max(MAX_IMPORT),
});

export interface FailedImport {
  uid: string;
  error: string;
}

/** Harbor's /ldap API: testing settings, searching the directory and importing users before their first login. */
export class LdapService {
  readonly #db: Db;
  readonly #directory: LdapDirectory;
  readonly #settings: SettingsService;
  readonly #store: LdapUsersStore;

  constructor(deps: { db: Db; directory: LdapDirectory; settings: SettingsService; store: LdapUsersStore }) {
    this.#db = deps.db;
    this.#directory = deps.directory;
    this.#settings = deps.settings;
    this.#store = deps.store;
  }

  /**
   * Tests the saved LDAP settings, or `conf` laid over them. Without an
   * ldap_search_password in `conf`, the saved one is used only if the server
   * and search DN are the saved ones too: otherwise a ping could send the
   * saved secret to any server an administrator names.
   */
  async ping(conf: Record<string, unknown> | undefined): Promise<{ success: boolean; message: string }> {
    const raw = (await this.#settings.get()).raw;
    const saved = Object.fromEntries(LDAP_KEYS.filter((key) => Object.hasOwn(raw, key)).map((key) => [key, raw[key]]));
    const { ldap_connection_timeout: timeout, ...given } = conf ?? {};
    const candidate: Record<string, unknown> = { ...saved, ...(timeout !== undefined && { ldap_timeout: timeout }), ...given };
    if (given.ldap_search_password === undefined && !sameServerAndAccount(candidate, saved)) delete candidate.ldap_search_password;
    const settings = parseInput(ldapSettingsSchema, candidate, 'LDAP settings');
    const result = await new LdapClient(settings).ping();
    return { success: result.ok, message: result.message };
  }

  async searchUsers(username: string): Promise<LdapUser[]> {
    const client = await this.#directory.require();
    return await client.searchUsers(username).catch((error: unknown) => {
      throw directoryFailure(error);
    });
  }

  /** By DN when given one, else by name; every group for neither. */
  async searchGroups(name: string, dn: string): Promise<LdapGroup[]> {
    if (dn !== '' && !looksLikeDn(dn)) throw new BerthError('BAD_REQUEST', 'groupdn: expected a DN such as cn=developers,ou=groups,dc=example,dc=com');
    const client = await this.#directory.require();
    return await client.searchGroups(dn || name).catch((error: unknown) => {
      throw directoryFailure(error);
    });
  }

  /**
   * Creates accounts for directory users before they first log in, so they
   * can be made project members. Each uid must name exactly one entry and no
   * existing account; the others are imported, and the failures returned.
   */
  async importUsers(actor: UserPrincipal, uids: string[]): Promise<FailedImport[]> {
    const client = await this.#directory.require();
    const { robot_name_prefix: robotPrefix } = await this.#settings.general();
    const failed: FailedImport[] = [];
    for (const uid of new Set(uids)) {
      const matches = await client.searchUsers(uid).catch((error: unknown) => {
        throw directoryFailure(error);
      });
      const fail = (error: string) => failed.push({ uid, error });
      if (matches.length === 0) fail('not found in the directory');
      else if (matches.length > 1) fail('more than one directory entry has this name');
      else if (matches[0]!.username.startsWith(robotPrefix)) fail(`the name starts with the robot account prefix ${JSON.stringify(robotPrefix)}`);
      else if (!(await this.#import(actor, matches[0]!))) fail('a user with this name already exists');
    }
    return failed;
  }

  async #import(actor: UserPrincipal, user: LdapUser): Promise<boolean> {
    const values = { username: user.username, externalId: normalizeDn(user.dn), email: user.email, realname: user.realname, groupIds: [], sysadmin: false, adminRoleInAuth: false };
    try {
      await this.#db.transaction().execute(async (trx) => {
        await this.#store.insert(trx, values);
        await appendEvent(trx, { type: 'create_user', resourceType: 'user', resource: user.username, operator: actor.username, description: 'imported from LDAP' });
      });
      return true;
    } catch (error) {
      // The name (any account) or the DN (an LDAP account) is taken.
      if ((error as { code?: string }).code === '23505') return false;
      throw error;
    }
  }
}

/** Whether two sets of LDAP settings name the same server and search account, however spelt. */
function sameServerAndAccount(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const url = (value: unknown) => ldapSettingsSchema.shape.ldap_url.safeParse(value).data?.toLowerCase().replace(/\/$/, '');
  const dn = (value: unknown) => (value === undefined || value === '' ? '' : looksLikeDn(String(value)) ? normalizeDn(String(value)) : undefined);
  return url(a.ldap_url) !== undefined && url(a.ldap_url) === url(b.ldap_url) && dn(a.ldap_search_dn) !== undefined && dn(a.ldap_search_dn) === dn(b.ldap_search_dn);
}
