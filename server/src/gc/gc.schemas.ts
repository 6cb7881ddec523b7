import { z } from 'zod';

/** Harbor's ScheduleObj. */
export const ScheduleObj = z
  .object({
    type: z.enum(['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule']).optional(),
    cron: z.string().optional(),
    next_scheduled_time: z.iso.datetime().optional(),
  })
  .meta({ id: 'ScheduleObj' });

/** Harbor's Schedule: what POST and PUT /system/gc/schedule take (read-only fields ignored). */
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

/** Harbor's GCHistory: a GC run (or, for GET /system/gc/schedule, the schedule). */
export const GCHistory = z
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
  .meta({ id: 'GCHistory' });
