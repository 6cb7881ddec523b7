import { z } from 'zod';
import { ReadOnlyError } from '../content/read-only.ts';
import { defineJobType } from '../jobs/job-type.ts';
import { describeDeletion, describeProgress } from './gc-output.ts';
import type { GarbageCollector } from './gc.service.ts';

/** Harbor's vendor type for garbage collection. */
export const GARBAGE_COLLECTION = 'GARBAGE_COLLECTION';

/** Harbor's GC parameters, as its API and portal send them. */
export const GcParameters = z.object({
  delete_untagged: z.boolean().default(false),
  dry_run: z.boolean().default(false),
  workers: z.int().min(1).max(5).default(1),
  time_window: z.number().min(0).default(2),
});
export type GcParameters = z.output<typeof GcParameters>;

/** Deletions logged one by one up to this many; a collection of millions says the rest in its totals. */
const LOGGED_DELETIONS = 1000;
const PROGRESS_INTERVAL_MS = 1000;

/**
 * Garbage collection as a job: any replica may run it; a run killed with
 * its process is retried, and finishes what the killed one began. Stopping
 * it ends the run between batches.
 */
export function gcJob(gc: GarbageCollector, uploadMaxAgeMs: number) {
  return defineJobType({
    name: GARBAGE_COLLECTION,
    payload: GcParameters,
    maxAttempts: 3,
    retry: { delaySeconds: 60, backoff: true },
    // As Harbor's GC: a read-only registry fails the run at once, deleting nothing.
    retryable: (error) => !(error instanceof ReadOnlyError),
    run: async (ctx, payload) => {
      let logged = 0;
      let lastProgress = 0;
      // One line after another, in order, while the run goes on.
      let written = Promise.resolve();
      const write = (line: () => Promise<void>) => {
        written = written.then(line);
      };
      let result;
      try {
      result = await gc.run(
        { deleteUntagged: payload.delete_untagged, dryRun: payload.dry_run, workers: payload.workers, timeWindowHours: payload.time_window, uploadMaxAgeMs },
        {
          signal: ctx.signal,
          log: (line) => write(() => ctx.log.info(line)),
          onDeleted: (deletion) => {
            if (++logged <= LOGGED_DELETIONS) write(() => ctx.log.info(`${payload.dry_run ? 'would delete' : 'deleted'} ${describeDeletion(deletion)}`));
          },
          onProgress: (progress) => {
            if (Date.now() - lastProgress < PROGRESS_INTERVAL_MS && progress.phase !== 'done') return;
            lastProgress = Date.now();
            const note = describeProgress(progress);
            write(() => ctx.progress(note));
          },
        },
      );
      } finally {
        // What was done is logged also when the run was stopped or failed.
        await written.catch(() => undefined);
      }
      written = Promise.resolve();
      if (logged > LOGGED_DELETIONS) write(() => ctx.log.info(`… and ${logged - LOGGED_DELETIONS} more deletions`));
      await written;
      await ctx.log.info(`${payload.dry_run ? 'dry run, nothing deleted: ' : ''}${describeProgress(result)}`);
      if (result.failures > 0) throw new Error(`${result.failures} blobs could not be deleted from storage; the next run retries them`);
    },
  });
}
