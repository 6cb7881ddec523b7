import type { FastifyInstance } from 'fastify';
import type { JobRunsService } from '../jobs/job-runs.service.ts';
import { jobRunsRoutes } from '../jobs/job-runs.routes.ts';
import { GCHistory } from './gc.schemas.ts';

/** Harbor's /system/gc: garbage collection's schedule, runs, logs and stop; system administrators only, as in Harbor. */
export async function gcRoutes(app: FastifyInstance, opts: { runs: JobRunsService }): Promise<void> {
  await jobRunsRoutes(app, { path: '/system/gc', idParam: 'gc_id', runs: opts.runs, history: GCHistory });
}
