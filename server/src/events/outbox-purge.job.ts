import { z } from 'zod';
import { defineJobType } from '../jobs/job-type.ts';
import type { OutboxPurge } from './outbox-purge.ts';

/** Prunes the event outbox; scheduled every events.purging.interval, run by one replica per tick. */
export const PURGE_EVENTS = 'PURGE_EVENTS';

export function outboxPurgeJob(purge: OutboxPurge) {
  return defineJobType({
    name: PURGE_EVENTS,
    payload: z.object({ age_ms: z.number().int().min(0) }),
    maxAttempts: 3,
    retry: { delaySeconds: 60, backoff: true },
    run: async (ctx, payload) => {
      await ctx.log.info(`deleting events every reader has applied, older than ${payload.age_ms / 3_600_000} h`);
      const result = await purge.purge(payload.age_ms, { signal: ctx.signal, onBatch: async (deleted) => await ctx.progress(`deleted ${deleted} events`) });
      if (result.notStarted.length > 0) await ctx.log.info(`kept every event: reader ${result.notStarted.join(', ')} has not run yet`);
      else await ctx.log.info(`${result.stopped ? 'stopped after it deleted' : 'deleted'} ${result.deleted} events older than ${result.cutoff.toISOString()}`);
    },
  });
}
