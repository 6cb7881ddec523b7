import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging } from '../http/harbor-query.ts';
import { content, errors, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { formatLog } from '../jobs/jobs.routes.ts';
import type { ExecutionRow } from '../jobs/jobs.store.ts';
import { GARBAGE_COLLECTION } from './gc.job.ts';
import type { GcRunsService, ScheduleRequest } from './gc-runs.service.ts';
import { GCHistory, Schedule } from './gc.schemas.ts';

/** A run as Harbor's GCHistory: its parameters as a JSON string, its trigger as job_kind. */
function historyOf(execution: ExecutionRow) {
  return {
    id: Number(execution.id),
    job_name: GARBAGE_COLLECTION,
    job_kind: execution.trigger,
    job_parameters: JSON.stringify(execution.extraAttrs),
    job_status: execution.status,
    deleted: false,
    creation_time: execution.startTime.toISOString(),
    update_time: (execution.endTime ?? execution.startTime).toISOString(),
  };
}

function scheduleBody(body: unknown): ScheduleRequest {
  const parsed = Schedule.safeParse(body ?? {});
  if (!parsed.success) throw new BerthError('BAD_REQUEST', `invalid schedule: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Harbor's /system/gc: garbage collection's schedule, runs, logs and stop; system administrators only, as in Harbor. */
export async function gcRoutes(app: FastifyInstance, opts: { runs: GcRunsService }): Promise<void> {
  const { runs } = opts;
  const gcParams = z.object({ gc_id: z.int().meta({ description: 'the id of a GC run' }) });

  app.get('/system/gc', { schema: { querystring: z.object(pagingQuery), response: { 200: z.array(GCHistory), ...errors(400, 401, 403) } } }, async (request, reply) => {
    requireSysadmin(request);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await runs.history(paging.pageSize, paging.offset);
    reply.headers(pagingHeaders('/api/v2.0/system/gc', query, paging, total));
    return rows.map(historyOf);
  });

  app.get('/system/gc/schedule', { schema: { response: { 200: GCHistory, ...errors(401, 403) } } }, async (request) => {
    requireSysadmin(request);
    const schedule = await runs.schedule();
    if (!schedule) return { schedule: { type: 'None' } };
    const { row, type } = schedule;
    return {
      id: Number(row.id),
      job_name: GARBAGE_COLLECTION,
      job_kind: 'SCHEDULE',
      job_parameters: JSON.stringify(row.payload),
      schedule: { type, cron: row.cron, next_scheduled_time: row.nextFireAt.toISOString() },
      deleted: false,
      creation_time: row.updateTime.toISOString(),
      update_time: row.updateTime.toISOString(),
    };
  });

  app.post('/system/gc/schedule', { schema: { body: Schedule, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    requireSysadmin(request);
    const { runId } = await runs.setSchedule(scheduleBody(request.body));
    if (runId) reply.header('Location', `/api/v2.0/system/gc/${runId}`);
    return reply.status(201).send();
  });

  app.put('/system/gc/schedule', { schema: { body: Schedule, response: { 200: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    requireSysadmin(request);
    await runs.setSchedule(scheduleBody(request.body));
    return reply.status(200).send();
  });

  app.get('/system/gc/:gc_id', { schema: { params: gcParams, response: { 200: GCHistory, ...errors(401, 403, 404) } } }, async (request) => {
    requireSysadmin(request);
    return historyOf((await runs.run(String((request.params as { gc_id: string }).gc_id))).execution);
  });

  app.put('/system/gc/:gc_id', { schema: { params: gcParams, response: { 200: NO_BODY, ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    await runs.stop(String((request.params as { gc_id: string }).gc_id));
    return reply.status(200).send();
  });

  app.get('/system/gc/:gc_id/log', { schema: { params: gcParams, response: { 200: content('text/plain', z.string()), ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    const lines = await runs.log(String((request.params as { gc_id: string }).gc_id));
    return reply.type('text/plain; charset=utf-8').send(formatLog(lines));
  });
}
