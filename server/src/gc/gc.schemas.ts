import { runHistory } from '../jobs/jobs.schemas.ts';

/** Harbor's GCHistory: a GC run (or, for GET /system/gc/schedule, the schedule). */
export const GCHistory = runHistory('GCHistory');
