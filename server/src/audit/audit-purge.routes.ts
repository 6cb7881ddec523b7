import type { FastifyInstance } from 'fastify';
import type { JobRunsService } from '../jobs/job-runs.service.ts';
import { jobRunsRoutes } from '../jobs/job-runs.routes.ts';
import { ExecHistory } from './audit.schemas.ts';

/** Harbor's /system/purgeaudit: the audit-log purge's schedule, runs, logs and stop; system administrators only, as in Harbor. */
export async function auditPurgeRoutes(app: FastifyInstance, opts: { runs: JobRunsService }): Promise<void> {
  await jobRunsRoutes(app, { path: '/system/purgeaudit', idParam: 'purge_id', runs: opts.runs, history: ExecHistory });
}
