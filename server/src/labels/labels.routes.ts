import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec, type QueryTerm } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { repositoryName } from '../artifacts/artifacts.routes.ts';
import type { ArtifactsService } from '../artifacts/artifacts.service.ts';
import { Label, labelResponse } from './label-response.ts';
import { errors, filterQuery, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { artifactParams } from '../artifacts/artifacts.schemas.ts';
import { labelCreationSchema, labelReferenceSchema, labelUpdateSchema, type LabelsService } from './labels.service.ts';

const LABEL_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'l.name', type: 'string', fuzzy: true },
  creation_time: { column: 'l.created_at', type: 'time' },
  update_time: { column: 'l.updated_at', type: 'time' },
};

type Query = Record<string, string | undefined>;
const labelParams = z.object({ label_id: id });
const listQuery = z.object({
  ...filterQuery,
  ...pagingQuery,
  name: z.string().optional().meta({ description: 'labels whose name contains this' }),
  scope: z.enum(['g', 'p']).meta({ description: 'g: global labels, p: the labels of project_id' }),
  project_id: id.optional().meta({ description: 'required with scope p' }),
});

type Params = { label_id: string; project_name: string; repository_name: string; reference: string };

/** Harbor's /labels, and attaching labels to artifacts under /projects/{p}/repositories/{r}/artifacts/{reference}/labels. */
export async function labelsRoutes(app: FastifyInstance, opts: { labels: LabelsService; artifacts: ArtifactsService }): Promise<void> {
  const { labels, artifacts } = opts;
  const labelId = (request: FastifyRequest) => parseId((request.params as Params).label_id, 'label_id');

  app.get('/labels', { schema: { querystring: listQuery, response: { 200: z.array(Label), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const query = request.query as Query;
    if (query.scope !== 'g' && query.scope !== 'p') throw new BerthError('BAD_REQUEST', 'scope must be g (global labels) or p (project labels)');
    const projectId = query.scope === 'p' ? parseId(query.project_id, 'project_id') : undefined;
    const paging = parsePaging(query);
    const filters: QueryTerm[] = parseQ(query.q, LABEL_FIELDS);
    if (query.name) filters.push({ field: 'name', spec: LABEL_FIELDS.name!, kind: 'fuzzy', value: query.name });
    const { rows, total } = await labels.list(request.principal, query.scope, projectId, filters, parseSort(query.sort, LABEL_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/labels', query, paging, total));
    return rows.map(labelResponse);
  });

  app.post('/labels', { schema: { body: labelCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const id = await labels.create(request.principal, parseInput(labelCreationSchema, request.body));
    return reply.status(201).header('Location', `/api/v2.0/labels/${id}`).send();
  });

  app.get('/labels/:label_id', { schema: { params: labelParams, response: { 200: Label, ...errors(400, 401, 403, 404) } } }, async (request) => labelResponse(await labels.get(request.principal, labelId(request))));

  app.put('/labels/:label_id', { schema: { params: labelParams, body: labelUpdateSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const id = labelId(request);
    await labels.update(request.principal, id, parseInput(labelUpdateSchema, request.body));
    return reply.status(200).send();
  });

  app.delete('/labels/:label_id', { schema: { params: labelParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    await labels.delete(request.principal, labelId(request));
    return reply.status(200).send();
  });

  const artifactOf = async (request: FastifyRequest, action: 'create' | 'delete') => {
    const params = request.params as Params;
    const project = await artifacts.project(request.principal, params.project_name, 'artifact-label', action);
    const repository = await artifacts.repository(project, repositoryName(params.repository_name));
    return { project, artifact: await artifacts.artifact(repository, params.reference) };
  };

  app.post('/projects/:project_name/repositories/:repository_name/artifacts/:reference/labels', { schema: { params: artifactParams, body: labelReferenceSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const { project, artifact } = await artifactOf(request, 'create');
    const { id } = parseInput(labelReferenceSchema, request.body);
    await labels.attach(project, artifact.id, String(id));
    return reply.status(200).send();
  });

  app.delete('/projects/:project_name/repositories/:repository_name/artifacts/:reference/labels/:label_id', { schema: { params: artifactParams.extend({ label_id: id }), response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const { artifact } = await artifactOf(request, 'delete');
    await labels.detach(artifact.id, labelId(request));
    return reply.status(200).send();
  });
}
