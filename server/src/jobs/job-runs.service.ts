import type { z } from 'zod';
import { BerthError } from '../errors.ts';
import type { JobService } from './jobs.service.ts';
import type { ExecutionRow, LogLine, ScheduleRow, TaskRow } from './jobs.store.ts';

/** Harbor's schedule types with a fixed cron (the portal sends these crons with them). */
const PRESETS: Record<string, string> = { Hourly: '0 0 * * * *', Daily: '0 0 0 * * *', Weekly: '0 0 0 * * 0' };
/** A system job has one schedule at most, among the job service's few. */
const SCHEDULES_READ = 1000;

export interface JobRun {
  execution: ExecutionRow;
  task: TaskRow | undefined;
}

export interface JobRunSchedule {
  row: ScheduleRow;
  type: string;
}

/** A schedule as Harbor's Schedule body gives it. */
export interface ScheduleRequest {
  schedule?: { type?: string; cron?: string };
  parameters?: Record<string, unknown>;
}

/** Which system job a JobRunsService serves. */
export interface SystemJob {
  /** Harbor's vendor type (GARBAGE_COLLECTION, PURGE_AUDIT_LOG). */
  vendorType: string;
  /** Its parameters, checked when a run or schedule is asked for. */
  parameters: z.ZodType<Record<string, unknown>>;
  /** How messages name one run, e.g. "garbage collection". */
  noun: string;
}

/**
 * Harbor's system jobs with one schedule and a history (/system/gc,
 * /system/purgeaudit): runs of one job type (an execution each, with one
 * task) and its one schedule, on the job service. Parameters are validated
 * when given, so a mistake is a 400 now, not a failed run later.
 */
export class JobRunsService {
  readonly #jobs: JobService;
  readonly #job: SystemJob;

  constructor(jobs: JobService, job: SystemJob) {
    this.#jobs = jobs;
    this.#job = job;
  }

  get vendorType(): string {
    return this.#job.vendorType;
  }

  /** A page of runs, newest first, with how many there are. */
  async history(limit: number, offset: number): Promise<{ rows: ExecutionRow[]; total: number }> {
    return await this.#jobs.executionPage(this.#job.vendorType, limit, offset);
  }

  /** One run; 404 for an id that is not a run of this job. */
  async run(id: string): Promise<JobRun> {
    if (!/^[1-9]\d{0,17}$/.test(id)) throw this.#notFound(id);
    let found;
    try {
      found = await this.#jobs.execution(id);
    } catch (error) {
      if (error instanceof BerthError && error.code === 'NOT_FOUND') throw this.#notFound(id);
      throw error;
    }
    if (found.execution.vendorType !== this.#job.vendorType) throw this.#notFound(id);
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

  async schedule(): Promise<JobRunSchedule | undefined> {
    const row = (await this.#jobs.schedules(SCHEDULES_READ, 0)).rows.find((s) => s.vendorType === this.#job.vendorType);
    return row && { row, type: Object.entries(PRESETS).find(([, cron]) => cron === row.cron)?.[0] ?? 'Custom' };
  }

  /**
   * POST and PUT …/schedule. Manual runs now (once: 409 while a run is
   * pending or running) and returns its id; None removes the schedule; the
   * others set it, with their cron.
   */
  async setSchedule(request: ScheduleRequest): Promise<{ runId?: string }> {
    const type = request.schedule?.type;
    if (!type) throw new BerthError('BAD_REQUEST', 'schedule.type is required');
    if (type === 'None') {
      await this.#jobs.unschedule(this.#job.vendorType);
      return {};
    }
    const parameters = this.#job.parameters.safeParse(request.parameters ?? {});
    if (!parameters.success) throw new BerthError('BAD_REQUEST', `parameters: ${parameters.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (type === 'Manual') {
      const [latest] = await this.#jobs.executions(this.#job.vendorType, 1);
      if (latest && (latest.status === 'Pending' || latest.status === 'Running')) throw new BerthError('CONFLICT', `${this.#job.noun} ${latest.id} is already ${latest.status.toLowerCase()}`);
      const { executionId } = await this.#jobs.enqueue(this.#job.vendorType, parameters.data, { trigger: 'MANUAL', extraAttrs: parameters.data });
      return { runId: executionId };
    }
    const cron = request.schedule?.cron?.trim() || PRESETS[type];
    if (!cron) throw new BerthError('BAD_REQUEST', `schedule.cron is required for a ${type} schedule`);
    await this.#jobs.schedule(this.#job.vendorType, cron, parameters.data);
    return {};
  }

  #notFound(id: string): BerthError {
    return new BerthError('NOT_FOUND', `${this.#job.noun} ${id} not found`);
  }
}
