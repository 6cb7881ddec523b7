import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pagingHeaders, parsePaging } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { content, errors, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { formatLog } from '../jobs/jobs.routes.ts';
import type { ExecutionRow, TaskRow } from '../jobs/jobs.store.ts';
import { retentionPolicyInput } from './retention-policy.ts';
import type { RetentionRunsService } from './retention-runs.service.ts';
import { RetentionExecution, RetentionExecutionTask, RetentionMetadata, RetentionOperation, RetentionPolicy, RetentionTrigger } from './retention.schemas.ts';
import type { RetentionService } from './retention.service.ts';
import type { RetentionPolicyRow } from './retention.store.ts';

const policyParams = z.object({ id });
const executionParams = z.object({ id, eid: id });
const taskParams = z.object({ id, eid: id, tid: id });

/** Harbor's task status codes (pkg/task): 0 pending, 2 running, 3 ended whichever way. */
const STATUS_CODES: Record<string, number> = { Pending: 0, Running: 2, Stopped: 3, Error: 3, Success: 3 };

function executionResponse(execution: ExecutionRow): z.infer<typeof RetentionExecution> {
  return {
    id: Number(execution.id),
    policy_id: Number(execution.vendorId),
    start_time: execution.startTime.toISOString(),
    ...(execution.endTime && { end_time: execution.endTime.toISOString() }),
    status: execution.status,
    trigger: execution.trigger,
    dry_run: execution.extraAttrs.dry_run === true,
  };
}

function taskResponse(task: TaskRow): z.infer<typeof RetentionExecutionTask> {
  const attrs = task.extraAttrs as { repository?: string; total?: number; retained?: number };
  return {
    id: Number(task.id),
    execution_id: Number(task.executionId),
    repository: attrs.repository ?? '',
    job_id: task.jobId ?? '',
    status: task.status,
    status_code: STATUS_CODES[task.status] ?? 0,
    ...(task.startTime && { start_time: task.startTime.toISOString() }),
    ...(task.endTime && { end_time: task.endTime.toISOString() }),
    total: attrs.total ?? 0,
    retained: attrs.retained ?? 0,
  };
}

/** Harbor's RetentionPolicy. */
export function retentionPolicyResponse(policy: RetentionPolicyRow): z.infer<typeof RetentionPolicy> {
  return { id: Number(policy.id), algorithm: policy.algorithm, rules: policy.rules, trigger: policy.trigger, scope: { level: 'project', ref: Number(policy.projectId) } };
}

/** Harbor's /retentions: the metadata, a project's policy, and its runs (executions, their tasks and logs). */
export async function retentionRoutes(app: FastifyInstance, opts: { retention: RetentionService; runs: RetentionRunsService }): Promise<void> {
  const { retention, runs } = opts;
  const policyId = (request: FastifyRequest) => parseId((request.params as { id: string }).id, 'id');
  const executionId = (request: FastifyRequest) => parseId((request.params as { eid: string }).eid, 'eid');

  app.get('/retentions/metadatas', { schema: { response: { 200: RetentionMetadata, ...errors(401) } } }, async (request) => retention.metadata(request.principal));

  app.post('/retentions', { schema: { body: retentionPolicyInput, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    const created = await retention.create(request.principal, parseInput(retentionPolicyInput, request.body));
    return reply.status(201).header('Location', `/api/v2.0/retentions/${created}`).send();
  });

  app.get('/retentions/:id', { schema: { params: policyParams, response: { 200: RetentionPolicy, ...errors(400, 401, 403, 404) } } }, async (request) => retentionPolicyResponse(await retention.get(request.principal, policyId(request))));

  app.put('/retentions/:id', { schema: { params: policyParams, body: retentionPolicyInput, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const id = policyId(request);
    await retention.update(request.principal, id, parseInput(retentionPolicyInput, request.body));
    return reply.status(200).send();
  });

  app.delete('/retentions/:id', { schema: { params: policyParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    await retention.delete(request.principal, policyId(request));
    return reply.status(200).send();
  });

  app.post('/retentions/:id/executions', { schema: { params: policyParams, body: RetentionTrigger, response: { 201: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const id = policyId(request);
    const body = parseInput(RetentionTrigger, request.body ?? {});
    const created = await runs.trigger(request.principal, id, body.dry_run ?? false);
    return reply.status(201).header('Location', `/api/v2.0/retentions/${id}/executions/${created}`).send();
  });

  app.get('/retentions/:id/executions', { schema: { params: policyParams, querystring: z.object(pagingQuery), response: { 200: z.array(RetentionExecution), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const id = policyId(request);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await runs.executions(request.principal, id, paging);
    reply.headers(pagingHeaders(`/api/v2.0/retentions/${id}/executions`, query, paging, total));
    return rows.map(executionResponse);
  });

  app.patch('/retentions/:id/executions/:eid', { schema: { params: executionParams, body: RetentionOperation, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const body = parseInput(RetentionOperation, request.body);
    await runs.operate(request.principal, policyId(request), executionId(request), body.action);
    return reply.status(200).send();
  });

  app.get('/retentions/:id/executions/:eid/tasks', { schema: { params: executionParams, querystring: z.object(pagingQuery), response: { 200: z.array(RetentionExecutionTask), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const id = policyId(request);
    const eid = executionId(request);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await runs.tasks(request.principal, id, eid, paging);
    reply.headers(pagingHeaders(`/api/v2.0/retentions/${id}/executions/${eid}/tasks`, query, paging, total));
    return rows.map(taskResponse);
  });

  app.get('/retentions/:id/executions/:eid/tasks/:tid', { schema: { params: taskParams, response: { 200: content('text/plain', z.string()), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const taskId = parseId((request.params as { tid: string }).tid, 'tid');
    const lines = await runs.log(request.principal, policyId(request), executionId(request), taskId);
    return reply.type('text/plain; charset=utf-8').send(formatLog(lines));
  });
}
