import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging } from '../http/harbor-query.ts';
import { content, errors, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { formatLog } from './jobs.routes.ts';
import type { ExecutionRow } from './jobs.store.ts';
import type { JobRunsService, ScheduleRequest } from './job-runs.service.ts';
import { Schedule } from './jobs.schemas.ts';

export interface JobRunsApi {
  /** e.g. /system/gc */
  path: string;
  /** Harbor's name of a run's path parameter, e.g. gc_id. */
  idParam: string;
  runs: JobRunsService;
  /** Harbor's model of a run (GCHistory, ExecHistory). */
  history: z.ZodType;
}

function scheduleBody(body: unknown): ScheduleRequest {
  const parsed = Schedule.safeParse(body ?? {});
  if (!parsed.success) throw new BerthError('BAD_REQUEST', `invalid schedule: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * A Harbor system job's API (/system/gc, /system/purgeaudit): schedule,
 * runs, one run, its log and stop; system administrators only, as in Harbor.
 */
export async function jobRunsRoutes(app: FastifyInstance, api: JobRunsApi): Promise<void> {
  const { path, idParam, runs, history } = api;
  const jobName = runs.vendorType;
  const params = z.object({ [idParam]: z.int().meta({ description: `the id of a ${jobName} run` }) });
  const idOf = (request: { params: unknown }) => String((request.params as Record<string, unknown>)[idParam]);

  /** A run as Harbor shows it: its parameters as a JSON string, its trigger as job_kind. */
  const historyOf = (execution: ExecutionRow) => ({
    id: Number(execution.id),
    job_name: jobName,
    job_kind: execution.trigger,
    job_parameters: JSON.stringify(execution.extraAttrs),
    job_status: execution.status,
    deleted: false,
    creation_time: execution.startTime.toISOString(),
    update_time: (execution.endTime ?? execution.startTime).toISOString(),
  });

  app.get(path, { schema: { querystring: z.object(pagingQuery), response: { 200: z.array(history), ...errors(400, 401, 403) } } }, async (request, reply) => {
    requireSysadmin(request);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await runs.history(paging.pageSize, paging.offset);
    reply.headers(pagingHeaders(`/api/v2.0${path}`, query, paging, total));
    return rows.map(historyOf);
  });

  app.get(`${path}/schedule`, { schema: { response: { 200: history, ...errors(401, 403) } } }, async (request) => {
    requireSysadmin(request);
    const schedule = await runs.schedule();
    if (!schedule) return { schedule: { type: 'None' } };
    const { row, type } = schedule;
    return {
      id: Number(row.id),
      job_name: jobName,
      job_kind: 'SCHEDULE',
      job_parameters: JSON.stringify(row.payload),
      schedule: { type, cron: row.cron, next_scheduled_time: row.nextFireAt.toISOString() },
      deleted: false,
      creation_time: row.updateTime.toISOString(),
      update_time: row.updateTime.toISOString(),
    };
  });

  app.post(`${path}/schedule`, { schema: { body: Schedule, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    requireSysadmin(request);
    const { runId } = await runs.setSchedule(scheduleBody(request.body));
    if (runId) reply.header('Location', `/api/v2.0${path}/${runId}`);
    return reply.status(201).send();
  });

  app.put(`${path}/schedule`, { schema: { body: Schedule, response: { 200: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    requireSysadmin(request);
    await runs.setSchedule(scheduleBody(request.body));
    return reply.status(200).send();
  });

  app.get(`${path}/:${idParam}`, { schema: { params, response: { 200: history, ...errors(401, 403, 404) } } }, async (request) => {
    requireSysadmin(request);
    return historyOf((await runs.run(idOf(request))).execution);
  });

  app.put(`${path}/:${idParam}`, { schema: { params, response: { 200: NO_BODY, ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    await runs.stop(idOf(request));
    return reply.status(200).send();
  });

  app.get(`${path}/:${idParam}/log`, { schema: { params, response: { 200: content('text/plain', z.string()), ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    const lines = await runs.log(idOf(request));
    return reply.type('text/plain; charset=utf-8').send(formatLog(lines));
  });
}
