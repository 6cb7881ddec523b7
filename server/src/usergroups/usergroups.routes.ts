import type { FastifyInstance } from 'fastify';
import { requirePrincipal, requireSysadmin } from '../auth/api-auth.plugin.ts';
import { normalizeDn } from '../auth/ldap/ldap-filter.ts';
import { looksLikeDn } from '../auth/ldap/ldap.provider.ts';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging, type FieldSpec, type QueryTerm } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import type { UserGroupRow } from './usergroups.store.ts';
import { errors, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { UserGroup, UserGroupSearchItem } from './usergroups.schemas.ts';
import { userGroupCreationSchema, userGroupUpdateSchema, type UserGroupsService } from './usergroups.service.ts';

type Query = Record<string, string | undefined>;
type Params = { group_id?: string };
const groupParams = z.object({ group_id: id });

const GROUP_NAME: FieldSpec = { column: 'group_name', type: 'string', fuzzy: true };
const LDAP_GROUP_DN: FieldSpec = { column: 'ldap_group_dn', type: 'string' };

/** Harbor's UserGroup. */
function groupResponse(group: UserGroupRow): Record<string, unknown> {
  return { id: Number(group.id), group_name: group.groupName, group_type: group.groupType, ldap_group_dn: group.ldapGroupDn };
}

function nameFilter(name: string | undefined): QueryTerm[] {
  return name ? [{ field: 'group_name', spec: GROUP_NAME, kind: 'fuzzy', value: name }] : [];
}

export async function userGroupsRoutes(app: FastifyInstance, opts: { userGroups: UserGroupsService }): Promise<void> {
  const { userGroups } = opts;
  const groupId = (params: unknown) => parseId((params as Params).group_id, 'group_id');

  app.get('/usergroups', { schema: { querystring: z.object({ ...pagingQuery, ldap_group_dn: z.string().optional(), group_name: z.string().optional() }), response: { 200: z.array(UserGroup), ...errors(400, 401, 403) } } }, async (request, reply) => {
    requireSysadmin(request);
    const query = request.query as Query;
    const paging = parsePaging(query);
    const filters = nameFilter(query.group_name);
    if (query.ldap_group_dn) {
      // Stored DNs are normalised; one that does not parse matches nothing.
      const value = looksLikeDn(query.ldap_group_dn) ? normalizeDn(query.ldap_group_dn) : query.ldap_group_dn;
      filters.push({ field: 'ldap_group_dn', spec: LDAP_GROUP_DN, kind: 'exact', value });
    }
    const { rows, total } = await userGroups.list(filters, paging);
    reply.headers(pagingHeaders('/api/v2.0/usergroups', query, paging, total));
    return rows.map(groupResponse);
  });

  // Any signed-in user: project administrators look groups up to add them as members.
  app.get('/usergroups/search', { schema: { querystring: z.object({ ...pagingQuery, groupname: z.string() }), response: { 200: z.array(UserGroupSearchItem), ...errors(400, 401) } } }, async (request, reply) => {
    requirePrincipal(request);
    const query = request.query as Query;
    if (!query.groupname) throw new BerthError('BAD_REQUEST', 'groupname is required');
    const paging = parsePaging(query);
    const { rows, total } = await userGroups.list(nameFilter(query.groupname), paging);
    reply.headers(pagingHeaders('/api/v2.0/usergroups/search', query, paging, total));
    return rows.map((group) => ({ id: Number(group.id), group_name: group.groupName, group_type: group.groupType }));
  });

  app.post('/usergroups', { schema: { body: userGroupCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 409, 503) } } }, async (request, reply) => {
    const actor = requireSysadmin(request);
    const created = await userGroups.create(actor, parseInput(userGroupCreationSchema, request.body));
    return reply.status(201).header('Location', `/api/v2.0/usergroups/${created.id}`).send();
  });

  app.get('/usergroups/:group_id', { schema: { params: groupParams, response: { 200: UserGroup, ...errors(400, 401, 403, 404) } } }, async (request) => {
    requireSysadmin(request);
    return groupResponse(await userGroups.get(groupId(request.params)));
  });

  app.put('/usergroups/:group_id', { schema: { params: groupParams, body: userGroupUpdateSchema.optional(), response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const actor = requireSysadmin(request);
    await userGroups.rename(actor, groupId(request.params), parseInput(userGroupUpdateSchema, request.body ?? {}));
    return reply.status(200).send();
  });

  app.delete('/usergroups/:group_id', { schema: { params: groupParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const actor = requireSysadmin(request);
    await userGroups.delete(actor, groupId(request.params));
    return reply.status(200).send();
  });
}
