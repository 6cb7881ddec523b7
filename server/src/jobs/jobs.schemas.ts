import { z } from 'zod';

/** Harbor's WorkerPool: one per Berth process that runs jobs. */
export const WorkerPool = z
  .object({
    pid: z.int(),
    worker_pool_id: z.string(),
    start_at: z.iso.datetime(),
    heartbeat_at: z.iso.datetime(),
    concurrency: z.int(),
    host: z.string(),
  })
  .meta({ id: 'WorkerPool' });

/** Harbor's Worker: a slot of a pool, with the job it runs (job_name and job_id empty when idle). */
export const Worker = z
  .object({
    id: z.string(),
    pool_id: z.string(),
    job_name: z.string(),
    job_id: z.string(),
    start_at: z.iso.datetime().optional(),
    check_in: z.string(),
    checkin_at: z.iso.datetime().optional(),
  })
  .meta({ id: 'Worker' });

/** Harbor's JobQueue: pending jobs of a type, the age in seconds of the oldest, and whether the queue is paused. */
export const JobQueue = z.object({ job_type: z.string(), count: z.int(), latency: z.int(), paused: z.boolean() }).meta({ id: 'JobQueue' });

/** Harbor's ActionRequest. */
export const ActionRequest = z.object({ action: z.enum(['stop', 'pause', 'resume']) }).meta({ id: 'ActionRequest' });

/** Harbor's ScheduleTask. */
export const ScheduleTask = z
  .object({ id: z.int(), vendor_type: z.string(), vendor_id: z.int(), cron: z.string(), update_time: z.iso.datetime() })
  .meta({ id: 'ScheduleTask' });

/** Harbor's SchedulerStatus. */
export const SchedulerStatus = z.object({ paused: z.boolean() }).meta({ id: 'SchedulerStatus' });
