import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pagingHeaders, parsePaging, parseQ, parseSort } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { errors, filterQuery, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { projectParams } from '../projects/projects.schemas.ts';
import { projectOf } from '../projects/projects.routes.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import { ImmutableRule, immutableRuleInput } from './immutability.schemas.ts';
import type { ImmutabilityService } from './immutability.service.ts';
import type { ImmutableRuleRow } from './immutability.store.ts';

type Query = Record<string, string | undefined>;
const ruleParams = projectParams.extend({ immutable_rule_id: id });
const listQuery = z.object({ ...filterQuery, ...pagingQuery });

/** Harbor's ImmutableRule. */
export function immutableRuleResponse(rule: ImmutableRuleRow): z.infer<typeof ImmutableRule> {
  return {
    id: Number(rule.id),
    priority: rule.priority,
    disabled: rule.disabled,
    action: 'immutable',
    template: 'immutable_template',
    tag_selectors: [{ kind: 'doublestar', decoration: rule.tagDecoration, pattern: rule.tagPattern }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: rule.repositoryDecoration, pattern: rule.repositoryPattern }] },
  };
}

/** Harbor's /projects/{project_name_or_id}/immutabletagrules. */
export async function immutabilityRoutes(app: FastifyInstance, opts: { immutability: ImmutabilityService; projects: ProjectsService }): Promise<void> {
  const { immutability, projects } = opts;
  const ruleId = (request: FastifyRequest) => parseId((request.params as { immutable_rule_id: string }).immutable_rule_id, 'immutable_rule_id');
  const path = '/projects/:project_name_or_id/immutabletagrules';

  app.get(path, { schema: { params: projectParams, querystring: listQuery, response: { 200: z.array(ImmutableRule), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const query = request.query as Query;
    // Rules have no fields to filter or sort on; as in Harbor they come in id order.
    parseQ(query.q, {});
    parseSort(query.sort, {});
    const paging = parsePaging(query);
    const project = await projectOf(request, projects);
    const { rows, total } = await immutability.list(request.principal, project, paging);
    reply.headers(pagingHeaders(`/api/v2.0/projects/${(request.params as { project_name_or_id: string }).project_name_or_id}/immutabletagrules`, query, paging, total));
    return rows.map(immutableRuleResponse);
  });

  app.post(path, { schema: { params: projectParams, body: immutableRuleInput, response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const project = await projectOf(request, projects);
    const created = await immutability.create(request.principal, project, parseInput(immutableRuleInput, request.body));
    return reply.status(201).header('Location', `/api/v2.0/projects/${project.id}/immutabletagrules/${created}`).send();
  });

  app.put(`${path}/:immutable_rule_id`, { schema: { params: ruleParams, body: immutableRuleInput, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const id = ruleId(request);
    const project = await projectOf(request, projects);
    await immutability.update(request.principal, project, id, parseInput(immutableRuleInput, request.body));
    return reply.status(200).send();
  });

  app.delete(`${path}/:immutable_rule_id`, { schema: { params: ruleParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const id = ruleId(request);
    const project = await projectOf(request, projects);
    await immutability.delete(request.principal, project, id);
    return reply.status(200).send();
  });
}
