import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Principal, UserPrincipal } from '../auth/principal.ts';
import { directoryFailure, type LdapDirectory } from '../auth/ldap/ldap-directory.ts';
import { normalizeDn } from '../auth/ldap/ldap-filter.ts';
import { looksLikeDn } from '../auth/ldap/ldap.provider.ts';
import type { Paging, QueryTerm } from '../http/harbor-query.ts';
import type { UserGroupRow, UserGroupsStore } from './usergroups.store.ts';

/** Harbor's group types. */
export const GROUP_TYPES = { ldap: 1, http: 2, oidc: 3 } as const;

const groupName = z.string().trim().min(1).max(255);

/** Harbor's UserGroup as a creation body; `id` is accepted and ignored, as Harbor does. */
export const userGroupCreationSchema = z.object({
  id: z.number().int().optional(),
  group_name: z.string().trim().max(255).optional(),
  group_type: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  ldap_group_dn: z.string().trim().max(1024).optional(),
});

/** Only the name changes; the type and DN may be sent back unchanged (as Harbor's portal does). */
export const userGroupUpdateSchema = z.object({
  id: z.number().int().optional(),
  group_name: groupName,
  group_type: z.number().int().optional(),
  ldap_group_dn: z.string().optional(),
});

/**
 * User groups, which can be project members: LDAP groups (by DN, verified
 * against the directory when LDAP is configured) and OIDC groups (by the
 * name the provider's groups claim uses). Group DNs are stored normalised,
 * so two spellings of one DN are one group and logins match them exactly.
 */
export class UserGroupsService {
  readonly #db: Db;
  readonly #store: UserGroupsStore;
  readonly #directory: LdapDirectory;

  constructor(deps: { db: Db; store: UserGroupsStore; directory: LdapDirectory }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#directory = deps.directory;
  }

  async list(filters: QueryTerm[], paging: Paging): Promise<{ rows: UserGroupRow[]; total: number }> {
    return await this.#store.list(this.#db, filters, paging.pageSize, paging.offset);
  }

  async get(id: string): Promise<UserGroupRow> {
    return (await this.#store.findById(this.#db, id)) ?? notFound(id);
  }

  async create(actor: UserPrincipal, input: z.infer<typeof userGroupCreationSchema>): Promise<UserGroupRow> {
    const group = input.group_type === GROUP_TYPES.ldap ? await this.#ldapGroup(input) : oidcGroup(input);
    try {
      return await this.#insert(actor, group);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new BerthError('CONFLICT', group.groupType === GROUP_TYPES.ldap ? `an LDAP group with the DN ${group.ldapGroupDn} already exists` : `an OIDC group named ${group.groupName} already exists`);
      }
      throw error;
    }
  }

  /** Stores a new group and records its creation, in one transaction. */
  async #insert(actor: Principal, group: Parameters<UserGroupsStore['insert']>[1]): Promise<UserGroupRow> {
    return await this.#db.transaction().execute(async (trx) => {
      const created = await this.#store.insert(trx, group);
      await appendEvent(trx, { type: 'create_user_group', resourceType: 'user_group', resource: created.groupName, operator: actor.username });
      return created;
    });
  }

  /**
   * The LDAP group with this DN (in any spelling), imported from the
   * directory first if Berth does not know it yet — Harbor's way of adding a
   * group member by DN, named `name` or as the directory names it. Only a
   * group the configured directory has is imported, so callers who may add
   * members (not only administrators) cannot invent groups.
   */
  async ldapGroupByDn(actor: Principal, dn: string, name?: string): Promise<UserGroupRow> {
    if (!looksLikeDn(dn)) throw new BerthError('BAD_REQUEST', 'member_group.ldap_group_dn: expected a DN such as cn=developers,ou=groups,dc=example,dc=com');
    const normalized = normalizeDn(dn);
    const known = await this.#store.findByLdapDn(this.#db, normalized);
    if (known) return known;
    if (!(await this.#directory.client())) throw new BerthError('NOT_FOUND', `no user group has the DN ${dn}, and LDAP is not the auth mode to import it from`);
    const group = await this.#ldapGroup({ group_type: GROUP_TYPES.ldap, ldap_group_dn: dn, ...(name && { group_name: name }) });
    try {
      return await this.#insert(actor, group);
    } catch (error) {
      // Imported by a concurrent request in the meantime: that one is the group.
      if ((error as { code?: string }).code === '23505') return (await this.#store.findByLdapDn(this.#db, normalized))!;
      throw error;
    }
  }

  async rename(actor: UserPrincipal, id: string, input: z.infer<typeof userGroupUpdateSchema>): Promise<void> {
    const group = await this.get(id);
    if (input.group_type !== undefined && input.group_type !== group.groupType) throw new BerthError('BAD_REQUEST', 'group_type: only group_name can be changed');
    if (input.ldap_group_dn !== undefined && input.ldap_group_dn !== '' && !sameDn(input.ldap_group_dn, group.ldapGroupDn)) {
      throw new BerthError('BAD_REQUEST', 'ldap_group_dn: only group_name can be changed');
    }
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (!(await this.#store.rename(trx, id, input.group_name))) notFound(id);
        const description = `renamed from ${group.groupName}`;
        await appendEvent(trx, { type: 'update_user_group', resourceType: 'user_group', resource: input.group_name, operator: actor.username, description });
      });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new BerthError('CONFLICT', `an OIDC group named ${input.group_name} already exists`);
      throw error;
    }
  }

  async delete(actor: UserPrincipal, id: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const deleted = (await this.#store.delete(trx, id)) ?? notFound(id);
      await appendEvent(trx, { type: 'delete_user_group', resourceType: 'user_group', resource: deleted.groupName, operator: actor.username });
    });
  }

  /**
   * An LDAP group by DN. With LDAP configured the DN must name a group the
   * directory has (matching ldap_group_search_filter), and an empty name is
   * taken from it; without, the DN is taken on trust and a name is required.
   */
  async #ldapGroup(input: z.infer<typeof userGroupCreationSchema>): Promise<{ groupName: string; groupType: number; ldapGroupDn: string }> {
    const dn = input.ldap_group_dn ?? '';
    if (!looksLikeDn(dn)) throw new BerthError('BAD_REQUEST', 'ldap_group_dn: an LDAP group needs a DN such as cn=developers,ou=groups,dc=example,dc=com');
    let name = input.group_name ?? '';
    const client = await this.#directory.client();
    if (client) {
      const found = await client.searchGroups(dn).catch((error: unknown) => {
        throw directoryFailure(error);
      });
      if (found.length !== 1) throw new BerthError('BAD_REQUEST', `ldap_group_dn: the LDAP directory has no group ${dn}`);
      name ||= found[0]!.name;
    }
    if (name === '') throw new BerthError('BAD_REQUEST', 'group_name: required');
    return { groupName: name, groupType: GROUP_TYPES.ldap, ldapGroupDn: normalizeDn(dn) };
  }
}

function oidcGroup(input: z.infer<typeof userGroupCreationSchema>): { groupName: string; groupType: number; ldapGroupDn: string } {
  if (input.group_type === GROUP_TYPES.http) throw new BerthError('BAD_REQUEST', 'group_type: HTTP (auth proxy) groups are not supported');
  if (input.ldap_group_dn) throw new BerthError('BAD_REQUEST', 'ldap_group_dn: only LDAP groups (group_type 1) have a DN');
  if (!input.group_name) throw new BerthError('BAD_REQUEST', 'group_name: required');
  return { groupName: input.group_name, groupType: GROUP_TYPES.oidc, ldapGroupDn: '' };
}

function sameDn(a: string, b: string): boolean {
  return looksLikeDn(a) && looksLikeDn(b) && normalizeDn(a) === normalizeDn(b);
}

function notFound(id: string): never {
  throw new BerthError('NOT_FOUND', `user group ${id} not found`);
}
