import { z } from 'zod';
import { runHistory } from '../jobs/jobs.schemas.ts';

/** Harbor's AuditLog (audit.routes.ts legacyResponse). */
export const AuditLog = z
  .object({ id: z.int(), username: z.string(), resource: z.string(), resource_type: z.string(), operation: z.string(), op_time: z.iso.datetime() })
  .meta({ id: 'AuditLog' });

/** Harbor's AuditLogExt: the event with its description and result. */
export const AuditLogExt = AuditLog.extend({ operation_description: z.string(), operation_result: z.boolean() }).meta({ id: 'AuditLogExt' });

export const AuditLogEventType = z.object({ event_type: z.string() }).meta({ id: 'AuditLogEventType' });

/** Harbor's ExecHistory: an audit-log purge run (or, for GET /system/purgeaudit/schedule, the schedule). */
export const ExecHistory = runHistory('ExecHistory');
