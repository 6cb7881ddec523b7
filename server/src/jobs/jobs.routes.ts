import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging } from '../http/harbor-query.ts';
import { content, errors, NO_BODY, pagingQuery } from '../http/openapi.ts';
import type { JobService } from './jobs.service.ts';
import type { LogLine } from './jobs.store.ts';
import { ActionRequest, JobQueue, ScheduleTask, SchedulerStatus, Worker, WorkerPool } from './jobs.schemas.ts';

/** Berth's job ids are task ids; anything else names no job (Harbor answers 404 for an unknown id, not 400). */
function jobId(raw: string): string {
  if (!/^[1-9]\d{0,17}$/.test(raw)) throw new BerthError('NOT_FOUND', `job ${raw} not found`);
  return raw;
}

/** A task log as text, one line per entry: time, level, message. */
export function formatLog(lines: LogLine[]): string {
  return lines.map((l) => `${l.loggedAt.toISOString()} [${l.level}] ${l.message}\n`).join('');
}

/** Harbor's job service dashboard API (/jobservice/*, /schedules): system administrators only, as in Harbor. */
export async function jobsRoutes(app: FastifyInstance, opts: { jobs: JobService }): Promise<void> {
  const { jobs } = opts;

  app.get('/jobservice/pools', { schema: { response: { 200: z.array(WorkerPool), ...errors(401, 403) } } }, async (request) => {
    requireSysadmin(request);
    return (await jobs.pools()).map((pool) => ({
      pid: pool.pid,
      worker_pool_id: pool.id,
      start_at: pool.startAt.toISOString(),
      heartbeat_at: pool.heartbeatAt.toISOString(),
      concurrency: pool.concurrency,
      host: pool.host,
    }));
  });

  app.get(
    '/jobservice/pools/:pool_id/workers',
    { schema: { params: z.object({ pool_id: z.string().meta({ description: "a pool's worker_pool_id, or all" }) }), response: { 200: z.array(Worker), ...errors(401, 403, 404) } } },
    async (request) => {
      requireSysadmin(request);
      return (await jobs.workers((request.params as { pool_id: string }).pool_id)).map(({ id, poolId, task }) => ({
        id,
        pool_id: poolId,
        job_name: task?.vendorType ?? '',
        job_id: task?.id ?? '',
        ...(task?.startTime && { start_at: task.startTime.toISOString() }),
        check_in: task?.checkIn ?? '',
        ...(task?.checkInTime && { checkin_at: task.checkInTime.toISOString() }),
      }));
    },
  );

  const jobParams = z.object({ job_id: z.string().meta({ description: 'the job id (a task id)' }) });

  app.put('/jobservice/jobs/:job_id', { schema: { params: jobParams, response: { 200: NO_BODY, ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    await jobs.stopTask(jobId((request.params as { job_id: string }).job_id));
    return reply.status(200).send();
  });

  app.get('/jobservice/jobs/:job_id/log', { schema: { params: jobParams, response: { 200: content('text/plain', z.string()), ...errors(401, 403, 404) } } }, async (request, reply) => {
    requireSysadmin(request);
    const lines = await jobs.log(jobId((request.params as { job_id: string }).job_id));
    return reply.type('text/plain; charset=utf-8').send(formatLog(lines));
  });

  app.get('/jobservice/queues', { schema: { response: { 200: z.array(JobQueue), ...errors(401, 403) } } }, async (request) => {
    requireSysadmin(request);
    return (await jobs.queues()).map((q) => ({ job_type: q.jobType, count: q.count, latency: q.latency, paused: q.paused }));
  });

  app.put(
    '/jobservice/queues/:job_type',
    { schema: { params: z.object({ job_type: z.string().meta({ description: 'a job type, or all' }) }), body: ActionRequest, response: { 200: NO_BODY, ...errors(401, 403, 404, 422) } } },
    async (request, reply) => {
      requireSysadmin(request);
      const parsed = ActionRequest.safeParse(request.body);
      // Harbor's swagger validation answers an action it does not list with 422.
      if (!parsed.success) throw new BerthError('UNPROCESSABLE_ENTITY', 'action: should be one of stop, pause, resume');
      const { action } = parsed.data;
      await jobs.queueAction((request.params as { job_type: string }).job_type, action);
      return reply.status(200).send();
    },
  );

  app.get('/schedules', { schema: { querystring: z.object(pagingQuery), response: { 200: z.array(ScheduleTask), ...errors(400, 401, 403) } } }, async (request, reply) => {
    requireSysadmin(request);
    const query = request.query as Record<string, string | undefined>;
    const paging = parsePaging(query);
    const { rows, total } = await jobs.schedules(paging.pageSize, paging.offset);
    reply.headers(pagingHeaders('/api/v2.0/schedules', query, paging, total));
    return rows.map((s) => ({ id: Number(s.id), vendor_type: s.vendorType, vendor_id: Number(s.vendorId), cron: s.cron, update_time: s.updateTime.toISOString() }));
  });

  app.get(
    '/schedules/:job_type/paused',
    { schema: { params: z.object({ job_type: z.string().meta({ description: 'only all, as in Harbor' }) }), response: { 200: SchedulerStatus, ...errors(400, 401, 403) } } },
    async (request) => {
      requireSysadmin(request);
      if ((request.params as { job_type: string }).job_type !== 'all') throw new BerthError('BAD_REQUEST', 'job_type: only all is supported');
      return { paused: await jobs.schedulerPaused() };
    },
  );
}
