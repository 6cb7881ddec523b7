import type { FastifyInstance } from 'fastify';
import type { AccessService } from '../access/access.service.ts';
import { requirePrincipal } from '../auth/api-auth.plugin.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import type { Db } from '../db/database.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import { EVENT_TYPES } from './audit-log.ts';
import type { AuditRow, AuditScope, AuditStore } from './audit.store.ts';
import { errors, filterQuery, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { AuditLog, AuditLogEventType, AuditLogExt } from './audit.schemas.ts';

/** Fields the audit listings filter and sort by (Harbor's names). */
const AUDIT_FIELDS: Record<string, FieldSpec> = {
  username: { column: 'username', type: 'string', fuzzy: true },
  resource: { column: 'resource', type: 'string', fuzzy: true },
  resource_type: { column: 'resource_type', type: 'string' },
  operation: { column: 'operation', type: 'string' },
  event_type: { column: 'event_type', type: 'string' },
  op_time: { column: 'op_time', type: 'time' },
};

function legacyResponse(row: AuditRow): Record<string, unknown> {
  return { id: Number(row.id), username: row.username, resource: row.resource, resource_type: row.resourceType, operation: row.operation, op_time: row.opTime.toISOString() };
}

function extResponse(row: AuditRow): Record<string, unknown> {
  return { ...legacyResponse(row), operation_description: row.operationDescription, operation_result: row.operationResult };
}

type Query = Record<string, string | undefined>;

/**
 * Harbor's audit log listings: every event for system administrators, a
 * project's events for those allowed to list its logs (project admins), and
 * for everyone else the events of the projects they administer.
 */
export async function auditRoutes(app: FastifyInstance, opts: { db: Db; store: AuditStore; access: AccessService; projects: ProjectsService }): Promise<void> {
  const { db, store, access, projects } = opts;

  async function list(path: string, query: Query, scope: AuditScope) {
    const paging = parsePaging(query);
    const { rows, total } = await store.list(db, scope, parseQ(query.q, AUDIT_FIELDS), parseSort(query.sort, AUDIT_FIELDS), paging.pageSize, paging.offset);
    return { rows, headers: pagingHeaders(path, query, paging, total) };
  }

  /** Everything for system admins and system robots granted audit-log:list; a user's administered projects otherwise. */
  async function globalScope(principal: ReturnType<typeof requirePrincipal>): Promise<AuditScope> {
    if (principal.kind === 'user' && !principal.sysadmin) return { kind: 'administered', userId: principal.userId, groupIds: principal.groupIds };
    await access.requireSystem(principal, 'audit-log', 'list');
    return { kind: 'all' };
  }

  const listQuery = z.object({ ...filterQuery, ...pagingQuery });
  for (const [path, shape, schema] of [
    ['/audit-logs', legacyResponse, AuditLog],
    ['/auditlog-exts', extResponse, AuditLogExt],
  ] as const) {
    app.get(path, { schema: { querystring: listQuery, response: { 200: z.array(schema), ...errors(400, 401, 403) } } }, async (request, reply) => {
      const { rows, headers } = await list(`/api/v2.0${path}`, request.query as Query, await globalScope(requirePrincipal(request)));
      reply.headers(headers);
      return rows.map(shape);
    });
  }

  for (const [suffix, shape, schema] of [
    ['logs', legacyResponse, AuditLog],
    ['auditlog-exts', extResponse, AuditLogExt],
  ] as const) {
    const params = z.object({ project_name: z.string() });
    app.get(`/projects/:project_name/${suffix}`, { schema: { params, querystring: listQuery, response: { 200: z.array(schema), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
      const name = (request.params as { project_name: string }).project_name;
      const project = await projects.resolve(request.principal, name, true);
      await access.require(request.principal, ref(project), 'log', 'list');
      const { rows, headers } = await list(`/api/v2.0/projects/${name}/${suffix}`, request.query as Query, { kind: 'project', projectId: project.id });
      reply.headers(headers);
      return rows.map(shape);
    });
  }

  app.get('/auditlog-exts/events', { schema: { response: { 200: z.array(AuditLogEventType), ...errors(401) } } }, async (request) => {
    requirePrincipal(request);
    return EVENT_TYPES.map((eventType) => ({ event_type: eventType }));
  });
}
