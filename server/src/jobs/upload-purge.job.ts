import { z } from 'zod';
import { defineJobType } from './job-type.ts';

/** Harbor's registry purges upload sessions older than `upload_purging.age`; in Berth it is a scheduled job, run by one replica per tick. */
export const UPLOAD_PURGE = 'PURGE_UPLOAD';

export function uploadPurgeJob(purge: (maxAgeMs: number) => Promise<number>) {
  return defineJobType({
    name: UPLOAD_PURGE,
    payload: z.object({ age_ms: z.number().int().positive() }),
    maxAttempts: 3,
    retry: { delaySeconds: 60, backoff: true },
    run: async (ctx, payload) => {
      await ctx.log.info(`purging upload sessions untouched for ${payload.age_ms / 3_600_000} h`);
      const purged = await purge(payload.age_ms);
      await ctx.log.info(`purged ${purged} abandoned uploads`);
    },
  });
}
