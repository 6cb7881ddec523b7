import type { FastifyInstance } from 'fastify';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { parseInput } from '../http/validate.ts';
import { ldapConfSchema, ldapImportSchema, type LdapService } from './ldap.service.ts';

type Query = Record<string, string | undefined>;

/** Harbor's /ldap endpoints: system administrators only. */
export async function ldapRoutes(app: FastifyInstance, opts: { ldap: LdapService }): Promise<void> {
  const { ldap } = opts;

  app.post('/ldap/ping', async (request) => {
    requireSysadmin(request);
    // No body means "test the saved settings", as in Harbor.
    return await ldap.ping(request.body === undefined || request.body === null ? undefined : parseInput(ldapConfSchema, request.body));
  });

  app.get('/ldap/users/search', async (request) => {
    requireSysadmin(request);
    const users = await ldap.searchUsers((request.query as Query).username ?? '');
    return users.map((user) => ({ username: user.username, realname: user.realname, email: user.email }));
  });

  app.post('/ldap/users/import', async (request, reply) => {
    const actor = requireSysadmin(request);
    const failed = await ldap.importUsers(actor, parseInput(ldapImportSchema, request.body).ldap_uid_list);
    // Harbor's answer when any uid could not be imported: 404 with the list (the others are imported).
    if (failed.length > 0) return reply.status(404).send(failed);
    return reply.status(200).send();
  });

  app.get('/ldap/groups/search', async (request) => {
    requireSysadmin(request);
    const query = request.query as Query;
    const groups = await ldap.searchGroups(query.groupname ?? '', query.groupdn ?? '');
    return groups.map((group) => ({ group_name: group.name, group_type: 1, ldap_group_dn: group.dn }));
  });
}
