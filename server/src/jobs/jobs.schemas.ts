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

/** Harbor's ScheduleObj. */
export const ScheduleObj = z
  .object({
    type: z.enum(['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule']).optional(),
    cron: z.string().optional(),
    next_scheduled_time: z.iso.datetime().optional(),
  })
  .meta({ id: 'ScheduleObj' });

/** Harbor's Schedule: what POST and PUT /system/gc/schedule and /system/purgeaudit/schedule take (read-only fields ignored). */
export const Schedule = z
  .object({
    id: z.int().optional(),
    status: z.string().optional(),
    creation_time: z.iso.datetime().optional(),
    update_time: z.iso.datetime().optional(),
    schedule: ScheduleObj.optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Schedule' });

/**
 * A run of a system job (or, for GET …/schedule, its schedule), which Harbor
 * names per job: GCHistory for garbage collection, ExecHistory for the audit-log purge.
 */
export function runHistory(id: string) {
  return z
    .object({
      id: z.int().optional(),
      job_name: z.string().optional(),
      job_kind: z.string().optional(),
      job_parameters: z.string().optional(),
      schedule: ScheduleObj.nullable().optional(),
      job_status: z.string().optional(),
      deleted: z.boolean().optional(),
      creation_time: z.iso.datetime().optional(),
      update_time: z.iso.datetime().optional(),
    })
    .meta({ id });
}
