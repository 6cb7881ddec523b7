import type { z } from 'zod';
import type { Db } from '../db/database.ts';

/** What a running job is given. */
export interface JobContext {
  /** Lines into the task's log, served at /jobservice/jobs/{id}/log and kept with the execution. */
  log: TaskLogger;
  /** Aborted when someone stops the task (from any replica) or the job service shuts down: stop promptly. */
  signal: AbortSignal;
  /** Harbor's check-in: a short progress note (e.g. "swept 1200 of 5000 blobs") shown with the worker. */
  progress(note: string): Promise<void>;
  /** Merges `attrs` into the task's extra attributes (what Harbor's APIs show of a task, e.g. retention's total and retained). */
  attrs(attrs: Record<string, unknown>): Promise<void>;
  /** 1 on the first attempt, 2 on the first retry, … */
  attempt: number;
  taskId: string;
  executionId: string;
}

export interface TaskLogger {
  info(message: string): Promise<void>;
  warn(message: string): Promise<void>;
  error(message: string): Promise<void>;
}

/** How a failed attempt is retried: after `delaySeconds`, doubling each time (up to `maxDelaySeconds`) when `backoff`. */
export interface RetryRule {
  delaySeconds: number;
  backoff: boolean;
  maxDelaySeconds?: number;
}

/**
 * A kind of background work (Harbor's vendor type: GARBAGE_COLLECTION,
 * RETENTION, …). Its payload is checked against `payload` when it is
 * enqueued, and again before it runs (it may have waited across an upgrade).
 * `run` may be attempted up to `maxAttempts` times, also on another replica
 * when the process running it died, so it must be safe to run again.
 */
export interface JobType<P = unknown> {
  name: string;
  payload: z.ZodType<P>;
  maxAttempts: number;
  retry: RetryRule;
  /** Longest one attempt may run before it is failed (and retried if attempts remain); default 24 h. */
  timeoutSeconds?: number;
  /** Whether a failure is worth another attempt (default: every one); false ends the task in Error at once, as Harbor's retry.Abort. */
  retryable?(error: unknown): boolean;
  /**
   * For work Harbor splits into tasks (retention: one per repository): the
   * tasks of a new execution, each with its own payload and extra attributes,
   * asked in the transaction `db` that creates the execution (whether
   * enqueued or fired by a schedule). An empty list ends the execution at
   * once as Success. Without it an execution has one task, with its payload.
   */
  tasks?(payload: P, db: Db): Promise<{ payload: P; attrs?: Record<string, unknown> }[]>;
  run(ctx: JobContext, payload: P): Promise<void>;
}

/** Keeps `P` tied between `payload` and `run` where a list of job types would lose it. */
export function defineJobType<P>(type: JobType<P>): JobType<P> {
  return type;
}
