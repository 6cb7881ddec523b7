import type { FastifyInstance } from 'fastify';
import { BerthError } from '../errors.ts';
import { requirePrincipal } from '../auth/api-auth.plugin.ts';
import { permissionsOf, SYSTEM_ACTIONS } from '../auth/rbac.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import type { AccessService } from './access.service.ts';
import { errors } from '../http/openapi.ts';
import { z } from 'zod';

const PROJECT_SCOPE = /^\/project\/(\d{1,18})$/;

/**
 * GET /users/current/permissions: what the caller may do, system-wide or in
 * one project — the portal shows and hides actions by it. (What may be
 * granted to robots, GET /permissions, is robots/robots.routes.ts.)
 */
export async function permissionsRoutes(app: FastifyInstance, opts: { access: AccessService; projects: ProjectsService }): Promise<void> {
  const { access, projects } = opts;

  app.get(
    '/users/current/permissions',
    {
      schema: {
        querystring: z.object({
          scope: z.string().optional().meta({ description: '/ (system, the default) or /project/<project id>' }),
          relative: z.boolean().optional().meta({ description: 'resources without the scope prefix' }),
        }),
        response: { 200: z.array(z.object({ resource: z.string(), action: z.string() }).meta({ id: 'Permission' })), ...errors(400, 401, 404) },
      },
    },
    async (request) => {
    const principal = requirePrincipal(request);
    const query = request.query as Record<string, string | undefined>;
    const relative = query.relative === 'true';
    if (query.scope === undefined || query.scope === '/') {
      const system = principal.sysadmin
        ? Object.entries(SYSTEM_ACTIONS).flatMap(([resource, actions]) => actions.map((action) => ({ resource, action })))
        : permissionsOf(await access.systemGrants(principal));
      return system.map((p) => ({ resource: relative ? p.resource : `/system/${p.resource}`, action: p.action }));
    }
    const match = PROJECT_SCOPE.exec(query.scope);
    if (!match) throw new BerthError('BAD_REQUEST', 'scope must be / or /project/<project id>');
    const project = await projects.resolve(principal, match[1]!, false);
    const grants = await access.grants(principal, ref(project));
    return permissionsOf(grants).map((p) => ({ resource: relative ? p.resource : `${query.scope}/${p.resource}`, action: p.action }));
  });
}
