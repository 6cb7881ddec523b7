import { BerthError } from '../errors.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { ExecutionRow, LogLine, ScheduleRow, TaskRow } from '../jobs/jobs.store.ts';
import { GARBAGE_COLLECTION, GcParameters } from './gc.job.ts';

/** Harbor's schedule types with a fixed cron (the portal sends these crons with them). */
const PRESETS: Record<string, string> = { Hourly: '0 0 * * * *', Daily: '0 0 0 * * *', Weekly: '0 0 0 * * 0' };
/** GC has one schedule at most, among the job service's few. */
const SCHEDULES_READ = 1000;

export interface GcRun {
  execution: ExecutionRow;
  task: TaskRow | undefined;
}

export interface GcSchedule {
  row: ScheduleRow;
  type: string;
}

/** A schedule as Harbor's Schedule body gives it. */
export interface ScheduleRequest {
  schedule?: { type?: string; cron?: string };
  parameters?: Record<string, unknown>;
}

/**
 * Harbor's /system/gc: runs of the GARBAGE_COLLECTION job (an execution each,
 * with one task) and its one schedule, on the job service. Parameters are
 * validated when given, so a mistake is a 400 now, not a failed run later.
 */
export class GcRunsService {
  readonly #jobs: JobService;

  constructor(jobs: JobService) {
    this.#jobs = jobs;
  }

  /** A page of runs, newest first, with how many there are. */
  async history(limit: number, offset: number): Promise<{ rows: ExecutionRow[]; total: number }> {
    return await this.#jobs.executionPage(GARBAGE_COLLECTION, limit, offset);
  }

  /** One run; 404 for an id that is not a GC run. */
  async run(id: string): Promise<GcRun> {
    if (!/^[1-9]\d{0,17}$/.test(id)) throw notFound(id);
    let found;
    try {
      found = await this.#jobs.execution(id);
    } catch (error) {
      if (error instanceof BerthError && error.code === 'NOT_FOUND') throw notFound(id);
      throw error;
    }
    if (found.execution.vendorType !== GARBAGE_COLLECTION) throw notFound(id);
    return { execution: found.execution, task: found.tasks[0] };
  }

  async log(id: string): Promise<LogLine[]> {
    const { task } = await this.run(id);
    return task ? await this.#jobs.log(task.id) : [];
  }

  async stop(id: string): Promise<void> {
    const { task } = await this.run(id);
    if (task) await this.#jobs.stopTask(task.id);
  }

  async schedule(): Promise<GcSchedule | undefined> {
    const row = (await this.#jobs.schedules(SCHEDULES_READ, 0)).rows.find((s) => s.vendorType === GARBAGE_COLLECTION);
    return row && { row, type: Object.entries(PRESETS).find(([, cron]) => cron === row.cron)?.[0] ?? 'Custom' };
  }

  /**
   * POST and PUT /system/gc/schedule. Manual runs now (once: 409 while a run
   * is pending or running) and returns its id; None removes the schedule;
   * the others set it, with their cron.
   */
  async setSchedule(request: ScheduleRequest): Promise<{ runId?: string }> {
    const type = request.schedule?.type;
    if (!type) throw new BerthError('BAD_REQUEST', 'schedule.type is required');
    const parameters = GcParameters.safeParse(request.parameters ?? {});
    if (!parameters.success) throw new BerthError('BAD_REQUEST', `parameters: ${parameters.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (type === 'Manual') {
      const [latest] = await this.#jobs.executions(GARBAGE_COLLECTION, 1);
      if (latest && (latest.status === 'Pending' || latest.status === 'Running')) throw new BerthError('CONFLICT', `garbage collection ${latest.id} is already ${latest.status.toLowerCase()}`);
      const { executionId } = await this.#jobs.enqueue(GARBAGE_COLLECTION, parameters.data, { trigger: 'MANUAL', extraAttrs: parameters.data });
      return { runId: executionId };
    }
    if (type === 'None') {
      await this.#jobs.unschedule(GARBAGE_COLLECTION);
      return {};
    }
    const cron = request.schedule?.cron?.trim() || PRESETS[type];
    if (!cron) throw new BerthError('BAD_REQUEST', `schedule.cron is required for a ${type} schedule`);
    await this.#jobs.schedule(GARBAGE_COLLECTION, cron, parameters.data);
    return {};
  }
}

function notFound(id: string): BerthError {
  return new BerthError('NOT_FOUND', `garbage collection ${id} not found`);
}
