import { z } from 'zod';
import { defineJobType } from '../jobs/job-type.ts';
import { EVENT_TYPES, eventTypeList } from './audit-log.ts';
import type { AuditPurgeService } from './audit-purge.service.ts';

/** Harbor's vendor type for the audit-log purge. */
export const PURGE_AUDIT_LOG = 'PURGE_AUDIT_LOG';

/** Longest retention accepted: about a century, so the cutoff stays a timestamp PostgreSQL can hold. */
const MAX_RETENTION_HOURS = 1_000_000;
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Harbor's purge parameters. include_event_types is Harbor's comma-separated
 * list (empty: nothing is purged); it is kept normalised (trimmed, lower
 * case), so the stored parameters parse again to the same value.
 */
export const AuditPurgeParameters = z.object({
  audit_retention_hour: z.int().min(1).max(MAX_RETENTION_HOURS),
  include_event_types: z
    .string()
    .default('')
    .transform((value) => eventTypeList(value.toLowerCase()).join(','))
    .superRefine((value, ctx) => {
      const unknown = eventTypeList(value).filter((type) => !KNOWN_TYPES.has(type));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown event types ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})` });
    }),
  dry_run: z.boolean().default(false),
});
export type AuditPurgeParameters = z.output<typeof AuditPurgeParameters>;

/** Progress notes at most this often while a long purge runs. */
const PROGRESS_INTERVAL_MS = 1000;

/**
 * The audit-log purge as a job: any replica may run it; a run killed with
 * its process is retried and deletes what is left. Stopping it ends the run
 * between batches.
 */
export function auditPurgeJob(purge: AuditPurgeService) {
  return defineJobType({
    name: PURGE_AUDIT_LOG,
    payload: AuditPurgeParameters,
    maxAttempts: 3,
    retry: { delaySeconds: 60, backoff: true },
    run: async (ctx, payload) => {
      const eventTypes = eventTypeList(payload.include_event_types);
      await ctx.log.info(`purging audit log rows older than ${payload.audit_retention_hour} h of event types: ${eventTypes.join(', ') || 'none'}${payload.dry_run ? ' (dry run)' : ''}`);
      let lastProgress = 0;
      const { cutoff, rows, stopped } = await purge.purge(
        { retentionHours: payload.audit_retention_hour, eventTypes, dryRun: payload.dry_run },
        {
          signal: ctx.signal,
          onBatch: async (deleted) => {
            if (Date.now() - lastProgress < PROGRESS_INTERVAL_MS) return;
            lastProgress = Date.now();
            await ctx.progress(`deleted ${deleted} audit log rows`);
          },
        },
      );
      const what = `audit log rows older than ${cutoff.toISOString()}`;
      if (payload.dry_run) await ctx.log.info(`dry run, nothing deleted: would delete ${rows} ${what}`);
      else await ctx.log.info(`${stopped ? 'stopped after it deleted' : 'deleted'} ${rows} ${what}`);
    },
  });
}
