import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { AccessService } from '../access/access.service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Principal } from '../auth/principal.ts';
import { roleById } from '../auth/rbac.ts';
import type { Paging } from '../http/harbor-query.ts';
import type { UserGroupsService } from '../usergroups/usergroups.service.ts';
import type { MemberRow, MembersStore } from './members.store.ts';
import { ref } from './projects.service.ts';
import type { ProjectRow } from './projects.store.ts';

const roleId = z.number().int().refine((id) => roleById(id) !== undefined, 'must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
const id = z.number().int().positive();

export const memberCreationSchema = z
  .object({
    role_id: roleId,
    member_user: z.object({ user_id: id.optional(), username: z.string().min(1).optional() }).optional(),
    member_group: z
      .object({ id: id.optional(), group_name: z.string().min(1).optional(), group_type: z.number().int().optional(), ldap_group_dn: z.string().optional() })
      .optional(),
  })
  .refine((body) => (body.member_user === undefined) !== (body.member_group === undefined), 'give exactly one of member_user or member_group');

export const roleRequestSchema = z.object({ role_id: roleId });

function memberNotFound(): BerthError {
  return new BerthError('NOT_FOUND', 'member not found');
}

/** Project membership of users and groups, with Harbor's rules: only those allowed to manage members do, and nobody changes their own role. */
export class MembersService {
  readonly #db: Db;
  readonly #store: MembersStore;
  readonly #access: AccessService;
  readonly #userGroups: UserGroupsService;

  constructor(deps: { db: Db; store: MembersStore; access: AccessService; userGroups: UserGroupsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#userGroups = deps.userGroups;
  }

  async list(principal: Principal | undefined, project: ProjectRow, entityName: string | undefined, paging: Paging): Promise<{ rows: MemberRow[]; total: number }> {
    await this.#access.require(principal, ref(project), 'member', 'list');
    return await this.#store.list(this.#db, project.id, entityName, paging.pageSize, paging.offset);
  }

  async get(principal: Principal | undefined, project: ProjectRow, memberId: string): Promise<MemberRow> {
    await this.#access.require(principal, ref(project), 'member', 'read');
    const member = await this.#store.find(this.#db, project.id, memberId);
    if (!member) throw memberNotFound();
    return member;
  }

  async create(principal: Principal | undefined, project: ProjectRow, input: z.infer<typeof memberCreationSchema>): Promise<string> {
    await this.#access.require(principal, ref(project), 'member', 'create');
    let entity: { entityType: 'u' | 'g'; userId: string | null; groupId: string | null; name: string };
    if (input.member_user) {
      const { user_id, username } = input.member_user;
      if (user_id === undefined && username === undefined) throw new BerthError('BAD_REQUEST', 'member_user needs user_id or username');
      const user = await this.#store.findUser(this.#db, user_id !== undefined ? { id: String(user_id) } : { username: username! });
      if (!user) throw new BerthError('NOT_FOUND', 'user not found');
      entity = { entityType: 'u', userId: user.id, groupId: null, name: user.username };
    } else {
      const group = await this.#group(principal!, input.member_group!);
      entity = { entityType: 'g', userId: null, groupId: group.id, name: group.groupName };
    }
    const memberId = await this.#db.transaction().execute(async (trx) => {
      const created = await this.#store.insert(trx, { projectId: project.id, entityType: entity.entityType, userId: entity.userId, groupId: entity.groupId, role: input.role_id });
      if (created) {
        await appendEvent(trx, { type: 'create_member', projectId: project.id, resourceType: 'member', resource: entity.name, operator: principal!.username, description: `role ${roleById(input.role_id)}` });
      }
      return created;
    });
    if (!memberId) throw new BerthError('CONFLICT', `${entity.name} is already a member of ${project.name}`);
    return memberId;
  }

  async updateRole(principal: Principal | undefined, project: ProjectRow, memberId: string, role: number): Promise<void> {
    await this.#access.require(principal, ref(project), 'member', 'update');
    const member = await this.#ownMember(principal!, project, memberId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.updateRole(trx, project.id, memberId, role))) throw memberNotFound();
      await appendEvent(trx, { type: 'update_member', projectId: project.id, resourceType: 'member', resource: member.entityName, operator: principal!.username, description: `role ${roleById(role)}` });
    });
  }

  async delete(principal: Principal | undefined, project: ProjectRow, memberId: string): Promise<void> {
    await this.#access.require(principal, ref(project), 'member', 'delete');
    const member = await this.#ownMember(principal!, project, memberId);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.delete(trx, project.id, memberId))) throw memberNotFound();
      await appendEvent(trx, { type: 'delete_member', projectId: project.id, resourceType: 'member', resource: member.entityName, operator: principal!.username });
    });
  }

  /** The group a member_group names: by id, by LDAP DN (imported from the directory if new, as Harbor does), or by name. */
  async #group(principal: Principal, group: NonNullable<z.infer<typeof memberCreationSchema>['member_group']>): Promise<{ id: string; groupName: string }> {
    if (group.id === undefined && group.ldap_group_dn) return await this.#userGroups.ldapGroupByDn(principal, group.ldap_group_dn, group.group_name);
    if (group.id === undefined && group.group_name === undefined) throw new BerthError('BAD_REQUEST', 'member_group needs id, ldap_group_dn or group_name');
    const found = await this.#store.findGroup(this.#db, group.id !== undefined ? { id: String(group.id) } : { groupName: group.group_name!, groupType: group.group_type });
    if (!found) throw new BerthError('NOT_FOUND', 'user group not found; create or import it first');
    return found;
  }

  /** The member, if it belongs to this project and is not the caller themself (as Harbor: no changing your own role). */
  async #ownMember(principal: Principal, project: ProjectRow, memberId: string): Promise<MemberRow> {
    const member = await this.#store.find(this.#db, project.id, memberId);
    if (!member) throw memberNotFound();
    if (principal.kind === 'user' && member.entityType === 'u' && member.entityId === principal.userId) {
      throw new BerthError('FORBIDDEN', 'you cannot change or remove your own membership');
    }
    return member;
  }
}
