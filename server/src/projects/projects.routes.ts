import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec, type QueryTerm } from '../http/harbor-query.ts';
import { parseInput } from '../http/validate.ts';
import { errors, filterQuery, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { Project, ProjectDeletable, ProjectMetadata, projectParams, ProjectSummary } from './projects.schemas.ts';
import type { ProjectView, ProjectsService } from './projects.service.ts';
import type { ProjectRow } from './projects.store.ts';
import { metadataSchema, projectCreationSchema, projectUpdateSchema } from './projects.service.ts';

/** Fields of GET /projects that `q` and `sort` may use. */
const PROJECT_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'p.name', type: 'string', fuzzy: true },
  project_id: { column: 'p.id', type: 'number' },
  owner_id: { column: 'p.owner_id', type: 'number' },
  creation_time: { column: 'p.created_at', type: 'time' },
  update_time: { column: 'p.updated_at', type: 'time' },
};

type Query = Record<string, string | undefined>;

const listQuery = z.object({
  ...filterQuery,
  ...pagingQuery,
  name: z.string().optional().meta({ description: 'projects whose name contains this' }),
  public: z.boolean().optional(),
  owner: z.string().optional().meta({ description: "the owner's username" }),
  with_detail: z.boolean().optional().meta({ description: 'accepted; Berth always answers with the details' }),
});
const metaParams = projectParams.extend({ meta_name: z.string() });

/** Harbor's Project. */
export function projectResponse(project: ProjectView): Record<string, unknown> {
  const roleIds = project.roleIds;
  return {
    project_id: Number(project.id),
    owner_id: project.ownerId === null ? 0 : Number(project.ownerId),
    owner_name: project.ownerName ?? '',
    name: project.name,
    creation_time: project.createdAt.toISOString(),
    update_time: project.updatedAt.toISOString(),
    deleted: false,
    togglable: true,
    current_user_role_id: roleIds[0] ?? 0,
    current_user_role_ids: roleIds,
    repo_count: project.repoCount,
    metadata: project.metadata,
    cve_allowlist: { project_id: Number(project.id), items: [] },
  };
}

/** Harbor's X-Is-Resource-Name: true makes a numeric path value a name. */
export function isName(request: FastifyRequest): boolean {
  return String(request.headers['x-is-resource-name'] ?? '').toLowerCase() === 'true';
}

/** The project named by the :project_name_or_id path parameter, if the caller may see it (else 404). */
export function projectOf(request: FastifyRequest, projects: ProjectsService): Promise<ProjectRow> {
  return projects.resolve(request.principal, (request.params as { project_name_or_id: string }).project_name_or_id, isName(request));
}

/** The Harbor list query parameters name, public and owner, as q terms. */
function listFilters(query: Query): QueryTerm[] {
  const terms = parseQ(query.q, PROJECT_FIELDS);
  if (query.name) terms.push({ field: 'name', spec: PROJECT_FIELDS.name!, kind: 'fuzzy', value: query.name });
  if (query.public !== undefined) {
    if (query.public !== 'true' && query.public !== 'false') throw new BerthError('BAD_REQUEST', 'public must be true or false');
    terms.push({ field: 'public', spec: { column: "coalesce(p.metadata->>'public', 'false')", type: 'string', expression: true }, kind: 'exact', value: query.public });
  }
  if (query.owner) terms.push({ field: 'owner', spec: { column: 'SELECT u.username FROM user_account u WHERE u.id = p.owner_id', type: 'string', expression: true }, kind: 'exact', value: query.owner });
  return terms;
}

export async function projectsRoutes(app: FastifyInstance, opts: { projects: ProjectsService }): Promise<void> {
  const { projects } = opts;
  const resolve = (request: FastifyRequest) => projectOf(request, projects);

  app.get('/projects', { schema: { querystring: listQuery, response: { 200: z.array(Project), ...errors(400, 401) } } }, async (request, reply) => {
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await projects.list(request.principal, listFilters(query), parseSort(query.sort, PROJECT_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/projects', query, paging, total));
    return rows.map(projectResponse);
  });

  app.head('/projects', { schema: { querystring: z.object({ project_name: z.string() }), response: { 200: NO_BODY, 404: NO_BODY, ...errors(400, 401) } } }, async (request, reply) => {
    const name = (request.query as Query).project_name;
    if (!name) throw new BerthError('BAD_REQUEST', 'project_name is required');
    return reply.status((await projects.exists(request.principal, name)) ? 200 : 404).send();
  });

  app.post('/projects', { schema: { body: projectCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    const id = await projects.create(request.principal, parseInput(projectCreationSchema, request.body));
    const location = String(request.headers['x-resource-name-in-location'] ?? '') === 'true' ? (request.body as { project_name: string }).project_name : id;
    return reply.status(201).header('Location', `/api/v2.0/projects/${location}`).send();
  });

  app.get('/projects/:project_name_or_id', { schema: { params: projectParams, response: { 200: Project, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const project = await resolve(request);
    return projectResponse(await projects.view(request.principal, project));
  });

  app.put('/projects/:project_name_or_id', { schema: { params: projectParams, body: projectUpdateSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await resolve(request);
    await projects.update(request.principal, project, parseInput(projectUpdateSchema, request.body));
    return reply.status(200).send();
  });

  app.delete('/projects/:project_name_or_id', { schema: { params: projectParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    await projects.delete(request.principal, await resolve(request));
    return reply.status(200).send();
  });

  app.get('/projects/:project_name_or_id/_deletable', { schema: { params: projectParams, response: { 200: ProjectDeletable, ...errors(400, 401, 403, 404) } } }, async (request) => projects.deletable(request.principal, await resolve(request)));
  app.get('/projects/:project_name_or_id/summary', { schema: { params: projectParams, response: { 200: ProjectSummary, ...errors(400, 401, 403, 404) } } }, async (request) => projects.summary(request.principal, await resolve(request)));

  for (const path of ['/projects/:project_name_or_id/metadatas', '/projects/:project_name_or_id/metadatas/']) {
    app.get(path, { schema: { params: projectParams, response: { 200: ProjectMetadata, ...errors(400, 401, 403, 404) } } }, async (request) => projects.metadata(request.principal, await resolve(request)));
    app.post(path, { schema: { params: projectParams, body: metadataSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
      await projects.addMetadata(request.principal, await resolve(request), parseInput(metadataSchema, request.body));
      return reply.status(200).send();
    });
  }

  app.get('/projects/:project_name_or_id/metadatas/:meta_name', { schema: { params: metaParams, response: { 200: ProjectMetadata, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const name = (request.params as { meta_name: string }).meta_name;
    const metadata = await projects.metadata(request.principal, await resolve(request));
    if (!Object.hasOwn(metadata, name)) throw new BerthError('NOT_FOUND', `metadata ${name} not found`);
    return { [name]: metadata[name] };
  });

  app.put('/projects/:project_name_or_id/metadatas/:meta_name', { schema: { params: metaParams, body: metadataSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const name = (request.params as { meta_name: string }).meta_name;
    await projects.updateMetadata(request.principal, await resolve(request), name, parseInput(metadataSchema, request.body));
    return reply.status(200).send();
  });

  app.delete('/projects/:project_name_or_id/metadatas/:meta_name', { schema: { params: metaParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    await projects.deleteMetadata(request.principal, await resolve(request), (request.params as { meta_name: string }).meta_name);
    return reply.status(200).send();
  });
}
