import type { FastifyInstance } from 'fastify';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { parseInput } from '../http/validate.ts';
import { ldapConfSchema, ldapImportSchema, type LdapService } from './ldap.service.ts';
import { errors, NO_BODY } from '../http/openapi.ts';
import { z } from 'zod';
import { UserGroup } from '../usergroups/usergroups.schemas.ts';

type Query = Record<string, string | undefined>;

/** Harbor's /ldap endpoints: system administrators only. */
export async function ldapRoutes(app: FastifyInstance, opts: { ldap: LdapService }): Promise<void> {
  const { ldap } = opts;

  app.post('/ldap/ping', { schema: { body: ldapConfSchema.optional(), response: { 200: z.object({ success: z.boolean(), message: z.string() }).meta({ id: 'LdapPingResult' }), ...errors(400, 401, 403) } } }, async (request) => {
    requireSysadmin(request);
    // No body means "test the saved settings", as in Harbor.
    return await ldap.ping(request.body === undefined || request.body === null ? undefined : parseInput(ldapConfSchema, request.body));
  });

  app.get('/ldap/users/search', { schema: { querystring: z.object({ username: z.string().optional() }), response: { 200: z.array(z.object({ username: z.string(), realname: z.string(), email: z.string() }).meta({ id: 'LdapUser' })), ...errors(400, 401, 403, 412, 503) } } }, async (request) => {
    requireSysadmin(request);
    const users = await ldap.searchUsers((request.query as Query).username ?? '');
    return users.map((user) => ({ username: user.username, realname: user.realname, email: user.email }));
  });

  app.post('/ldap/users/import', { schema: { body: ldapImportSchema, response: { 200: NO_BODY, 404: z.array(z.object({ uid: z.string(), error: z.string() }).meta({ id: 'LdapFailedImportUser' })), ...errors(400, 401, 403, 412, 503) } } }, async (request, reply) => {
    const actor = requireSysadmin(request);
    const failed = await ldap.importUsers(actor, parseInput(ldapImportSchema, request.body).ldap_uid_list);
    // Harbor's answer when any uid could not be imported: 404 with the list (the others are imported).
    if (failed.length > 0) return reply.status(404).send(failed);
    return reply.status(200).send();
  });

  app.get('/ldap/groups/search', { schema: { querystring: z.object({ groupname: z.string().optional(), groupdn: z.string().optional() }), response: { 200: z.array(UserGroup.omit({ id: true })), ...errors(400, 401, 403, 412, 503) } } }, async (request) => {
    requireSysadmin(request);
    const query = request.query as Query;
    const groups = await ldap.searchGroups(query.groupname ?? '', query.groupdn ?? '');
    return groups.map((group) => ({ group_name: group.name, group_type: 1, ldap_group_dn: group.dn }));
  });
}
