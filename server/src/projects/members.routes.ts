import type { FastifyInstance } from 'fastify';
import { roleById } from '../auth/rbac.ts';
import { pagingHeaders, parsePaging } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { errors, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { memberParams, ProjectMemberEntity, projectParams } from './projects.schemas.ts';
import { memberCreationSchema, roleRequestSchema, type MembersService } from './members.service.ts';
import type { MemberRow } from './members.store.ts';
import { projectOf } from './projects.routes.ts';
import type { ProjectsService } from './projects.service.ts';

/** Harbor's ProjectMemberEntity. */
function memberResponse(member: MemberRow): Record<string, unknown> {
  return {
    id: Number(member.id),
    project_id: Number(member.projectId),
    entity_name: member.entityName,
    role_name: roleById(member.role) ?? '',
    role_id: member.role,
    entity_id: Number(member.entityId),
    entity_type: member.entityType,
  };
}

type Params = { project_name_or_id: string; mid?: string };

export async function membersRoutes(app: FastifyInstance, opts: { projects: ProjectsService; members: MembersService }): Promise<void> {
  const { projects, members } = opts;

  app.get('/projects/:project_name_or_id/members', { schema: { params: projectParams, querystring: z.object({ ...pagingQuery, entityname: z.string().optional() }), response: { 200: z.array(ProjectMemberEntity), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await projectOf(request, projects);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await members.list(request.principal, project, query.entityname, paging);
    reply.headers(pagingHeaders(`/api/v2.0/projects/${(request.params as Params).project_name_or_id}/members`, query, paging, total));
    return rows.map(memberResponse);
  });

  app.post('/projects/:project_name_or_id/members', { schema: { params: projectParams, body: memberCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const project = await projectOf(request, projects);
    const id = await members.create(request.principal, project, parseInput(memberCreationSchema, request.body));
    return reply.status(201).header('Location', `/api/v2.0/projects/${project.id}/members/${id}`).send();
  });

  app.get('/projects/:project_name_or_id/members/:mid', { schema: { params: memberParams, response: { 200: ProjectMemberEntity, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const project = await projectOf(request, projects);
    return memberResponse(await members.get(request.principal, project, parseId((request.params as Params).mid, 'mid')));
  });

  app.put('/projects/:project_name_or_id/members/:mid', { schema: { params: memberParams, body: roleRequestSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await projectOf(request, projects);
    const body = parseInput(roleRequestSchema, request.body);
    await members.updateRole(request.principal, project, parseId((request.params as Params).mid, 'mid'), body.role_id);
    return reply.status(200).send();
  });

  app.delete('/projects/:project_name_or_id/members/:mid', { schema: { params: memberParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await projectOf(request, projects);
    await members.delete(request.principal, project, parseId((request.params as Params).mid, 'mid'));
    return reply.status(200).send();
  });
}
