/**
 * Berth's job service: Harbor's executions and tasks (jobs.store.ts) on a
 * PostgreSQL queue library, pg-boss.
 *
 * Why pg-boss rather than graphile-worker (both queue on PostgreSQL with
 * SKIP LOCKED and wake workers with LISTEN/NOTIFY):
 * - a process that dies mid-job: pg-boss 12 has per-job heartbeats
 *   (`heartbeatSeconds`) and fails/retries a job whose heartbeat lapsed, so
 *   another replica takes it over within ~2 heartbeats; graphile-worker
 *   releases a dead worker's jobs only after a fixed 4-hour lock timeout.
 * - retries: pg-boss takes retry limit, delay, exponential backoff and a cap
 *   per job, which is what a job type declares here; graphile-worker has one
 *   fixed backoff curve and a per-job max_attempts.
 * - ESM with type declarations (Node 24, type stripping: nothing to build);
 *   graphile-worker 0.18 works too.
 * - both keep their own schema with their own migrations (pg-boss: schema
 *   "pgboss", migrated by start() under an advisory lock, so replicas may
 *   start together). Berth's Kysely migrations never touch it and Berth's
 *   tables never depend on it: the queue can be upgraded or rebuilt without
 *   touching Harbor's executions and tasks. Works on the embedded PostgreSQL
 *   as on an external one (pg-boss opens its own small pool on the same URL).
 * - neither schedules Harbor's 6-field cron: pg-boss's and graphile-worker's
 *   cron are minute-granular and keep their schedules in their own tables.
 *   Berth stores schedules itself (job_schedule) and fires each tick with a
 *   compare-and-set on next_fire_at in the transaction that enqueues the job,
 *   so a tick fires once whatever the number of replicas.
 * Measured with bench/jobs.ts (one process, 10 workers, embedded PostgreSQL,
 * on this 2-core machine shared with other builds, load average 10–20):
 * enqueue→start on an idle queue p50 43–81 ms, p95 60–376 ms (LISTEN/NOTIFY
 * wakes a worker at commit); 1000 small jobs from ten concurrent enqueuers:
 * enqueued at 62–92/s, all done at 41 jobs/s once workers drain a backlog
 * without waiting their poll (burstWhenReadyExceeds; 16/s without it). Each
 * job there is 4 transactions of Berth's (enqueue, start, finish, 2 log
 * lines) besides pg-boss's fetch and completion.
 *
 * Stop: a stop sets task.stop_requested; the process running the task polls
 * its running tasks' flags every half second and aborts the job's AbortSignal, so
 * a stop reaches whichever replica holds the task within ~1 s.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { PgBoss, type Db as QueueDb, type Job } from 'pg-boss';
import type { Db } from '../db/database.ts';
import { withLogContext, type Logger } from '../logger.ts';
import { BerthError } from '../errors.ts';
import { parseCron } from './cron.ts';
import type { JobContext, JobType, TaskLogger } from './job-type.ts';
import type { ExecutionRow, JobsStore, LogLine, PoolRow, ScheduleRow, TaskRow, Trigger } from './jobs.store.ts';

/** Harbor's name for the scheduler's own queue: pausing it pauses every schedule. */
export const SCHEDULER = 'SCHEDULER';
/** How often each process looks for stop requests, pause changes and due schedules. */
const CONTROL_INTERVAL_MS = 500;
/** A schedule late by less than this catches up tick by tick; later than this (every process was down), it fires once and moves on. */
const CATCH_UP_MS = 10_000;
/** After a stop, how long a job that ignores its signal is waited for before its task is recorded as stopped anyway. */
const STOP_GRACE_MS = 2000;
const DEFAULT_TIMEOUT_SECONDS = 24 * 3600;

export interface JobsConfig {
  workers: number;
  heartbeatMs: number;
}

interface Running {
  controller: AbortController;
  stopped: boolean;
}

interface JobData {
  taskId: string;
  payload: unknown;
}

export interface Enqueued {
  executionId: string;
  taskId: string;
}

export interface Launched {
  executionId: string;
  taskIds: string[];
}

export interface EnqueueOptions {
  trigger?: Trigger;
  vendorId?: number;
  extraAttrs?: Record<string, unknown>;
  trx?: Db;
}

export interface QueueInfo {
  jobType: string;
  count: number;
  latency: number;
  paused: boolean;
}

/** What a run of a task ended as, in Harbor's job service metric labels. */
export type TaskOutcome = 'success' | 'fail' | 'stop';

/** The job service's state for /metrics: queues, tasks running per type and pool, schedules. */
export interface JobActivity {
  queues: QueueInfo[];
  running: { vendorType: string; poolId: string; running: number }[];
  scheduled: number;
}

export interface WorkerInfo {
  id: string;
  poolId: string;
  task: TaskRow | undefined;
}

/** pg-boss statements on the caller's transaction, so a job exists if and only if its task row commits. */
function onTransaction(trx: Db): QueueDb {
  const raw = trx.withoutPlugins();
  return { executeSql: async (text: string, values?: unknown[]) => ({ rows: [...(await raw.executeQuery(CompiledQuery.raw(text, values ?? []))).rows] }) };
}

export class JobService {
  readonly #db: Db;
  readonly #store: JobsStore;
  readonly #log: Logger;
  readonly #config: JobsConfig;
  readonly #boss: PgBoss;
  readonly #types = new Map<string, JobType<never>>();
  readonly #running = new Map<string, Running>();
  readonly #working = new Set<string>();
  readonly #poolId = randomUUID().slice(0, 12);
  #timer: NodeJS.Timeout | undefined;
  #controlling: Promise<void> | undefined;
  #lastBeat = 0;
  #pauseSync: Promise<void> = Promise.resolve();
  #started = false;
  #onTaskRun: ((type: string, outcome: TaskOutcome, seconds: number) => void) | undefined;

  constructor(deps: { db: Db; store: JobsStore; log: Logger; databaseUrl: string; config: JobsConfig }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#config = deps.config;
    const beat = deps.config.heartbeatMs / 1000;
    this.#boss = new PgBoss({
      connectionString: deps.databaseUrl,
      schema: 'pgboss',
      application_name: 'berth-jobs',
      max: Math.min(deps.config.workers, 8) + 3,
      useListenNotify: true,
      // Berth fires its own 6-field schedules (job_schedule); pg-boss's minute cron stays off.
      schedule: false,
      // Heartbeat failures (a dead process's jobs) are found by this pass.
      superviseIntervalSeconds: beat,
      monitorIntervalSeconds: beat,
      // The backlog count that lets a worker fetch again at once (burstWhenReadyExceeds) instead of after its poll.
      queueCacheIntervalSeconds: 2,
    });
    this.#boss.on('error', (error) => this.#log.error({ err: error }, 'job queue error'));
  }

  register(type: JobType<never> | JobType<unknown>): void {
    if (this.#types.has(type.name) || type.name === SCHEDULER) throw new Error(`job type ${type.name} is registered twice`);
    if (!/^[A-Za-z0-9_.-]+$/.test(type.name)) throw new Error(`job type name ${type.name}: letters, digits, _ . - only`);
    this.#types.set(type.name, type as JobType<never>);
  }

  get types(): string[] {
    return [...this.#types.keys()].sort();
  }

  get poolId(): string {
    return this.#poolId;
  }

  async start(): Promise<void> {
    await this.#boss.start();
    for (const type of this.#types.values()) {
      if (!(await this.#boss.getQueue(type.name))) await this.#boss.createQueue(type.name, { notify: true });
    }
    this.#started = true;
    await this.#control();
    this.#timer = setInterval(() => void this.#control(), CONTROL_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Stops taking jobs, aborts the running ones (their tasks go back to Pending for another process) and closes the queue. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    clearInterval(this.#timer);
    await this.#controlling;
    for (const running of this.#running.values()) running.controller.abort(new Error('the job service is shutting down'));
    await this.#boss.stop({ graceful: true, timeout: 5000 });
    await this.#store.deletePool(this.#db, this.#poolId).catch(() => undefined);
  }

  /**
   * Creates an execution with one task and queues its job, in `trx` when
   * given (the job then exists only if the caller's transaction commits).
   * For a job type that splits its executions into tasks, see launch().
   */
  async enqueue(typeName: string, payload: unknown, options: EnqueueOptions = {}): Promise<Enqueued> {
    if (this.#type(typeName).tasks) throw new Error(`${typeName} splits its executions into tasks: launch it`);
    const { executionId, taskIds } = await this.launch(typeName, payload, options);
    return { executionId, taskId: taskIds[0]! };
  }

  /**
   * Creates an execution with its tasks (one, or those the type's `tasks`
   * gives), each its own queued job, in `trx` when given.
   */
  async launch(typeName: string, payload: unknown, options: EnqueueOptions = {}): Promise<Launched> {
    const type = this.#type(typeName);
    const parsed = type.payload.safeParse(payload);
    if (!parsed.success) throw new BerthError('BAD_REQUEST', `invalid ${typeName} job: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`);
    const insert = async (trx: Db): Promise<Launched> => {
      const executionId = await this.#store.insertExecution(trx, { vendorType: typeName, vendorId: options.vendorId ?? -1, trigger: options.trigger ?? 'MANUAL', extraAttrs: options.extraAttrs ?? {} });
      const tasks = type.tasks ? await type.tasks(parsed.data as never, trx) : [{ payload: parsed.data as never, attrs: {} }];
      const taskIds: string[] = [];
      for (const task of tasks) taskIds.push(await this.#queueTask(trx, type, executionId, task.payload, task.attrs ?? {}));
      if (taskIds.length === 0) {
        // Nothing to do (Harbor: "no resources"): done now, not pending forever.
        await this.#store.setExecutionMessage(trx, executionId, 'nothing to do');
        await this.#store.refreshExecution(trx, executionId);
      }
      return { executionId, taskIds };
    };
    return options.trx ? await insert(options.trx) : await this.#db.transaction().execute(insert);
  }

  async #queueTask(trx: Db, type: JobType<never>, executionId: string, payload: unknown, attrs: Record<string, unknown>): Promise<string> {
    const taskId = await this.#store.insertTask(trx, executionId, type.name, attrs);
    const data: JobData = { taskId, payload };
    const jobId = await this.#boss.send(type.name, data, {
      db: onTransaction(trx),
      retryLimit: type.maxAttempts - 1,
      retryDelay: type.retry.delaySeconds,
      retryBackoff: type.retry.backoff,
      ...(type.retry.maxDelaySeconds !== undefined && { retryDelayMax: type.retry.maxDelaySeconds }),
      heartbeatSeconds: this.#config.heartbeatMs / 1000,
      expireInSeconds: type.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    });
    if (!jobId) throw new Error(`the queue refused a ${type.name} job`);
    await this.#store.setJobId(trx, taskId, jobId);
    return taskId;
  }

  /** Stops every task of the execution that has not ended (Harbor's execution stop). */
  async stopExecution(executionId: string): Promise<void> {
    const { tasks } = await this.execution(executionId);
    for (const task of tasks) if (task.status === 'Pending' || task.status === 'Running') await this.stopTask(task.id);
  }

  /** Stops a task wherever it runs: a pending one at once, a running one by its process within about a second. */
  async stopTask(taskId: string): Promise<void> {
    const task = await this.#store.requestStop(this.#db, taskId);
    if (!task) {
      if (!(await this.#store.task(this.#db, taskId))) throw new BerthError('NOT_FOUND', `job ${taskId} not found`);
      return;
    }
    if (task.status === 'Pending' && (await this.#finish(task.executionId, taskId, 'Stopped', 'stopped before it started'))) {
      if (task.jobId) await this.#boss.cancel(task.vendorType, task.jobId);
    }
    // A running task is aborted by the process running it (#abortStopped); its own run ends it as Stopped.
    this.#abortRunning(taskId);
  }

  #abortRunning(taskId: string): void {
    const running = this.#running.get(taskId);
    if (!running || running.stopped) return;
    running.stopped = true;
    running.controller.abort(new Error('stopped'));
  }

  async task(taskId: string): Promise<TaskRow> {
    const task = await this.#store.task(this.#db, taskId);
    if (!task) throw new BerthError('NOT_FOUND', `job ${taskId} not found`);
    return task;
  }

  async execution(executionId: string): Promise<{ execution: ExecutionRow; tasks: TaskRow[] }> {
    const execution = await this.#store.execution(this.#db, executionId);
    if (!execution) throw new BerthError('NOT_FOUND', `execution ${executionId} not found`);
    return { execution, tasks: await this.#store.tasksOf(this.#db, executionId) };
  }

  async executions(vendorType: string, limit: number): Promise<ExecutionRow[]> {
    return await this.#store.executionsOf(this.#db, vendorType, limit);
  }

  /** A page of a vendor type's executions (of one vendor, e.g. a retention policy, when `vendorId` is given), newest first, and how many there are. */
  async executionPage(vendorType: string, limit: number, offset: number, vendorId?: string): Promise<{ rows: ExecutionRow[]; total: number }> {
    return await this.#store.executionPage(this.#db, vendorType, vendorId, limit, offset);
  }

  async tasks(executionId: string, limit: number, offset: number): Promise<{ rows: TaskRow[]; total: number }> {
    return await this.#store.tasksPage(this.#db, executionId, limit, offset);
  }

  async log(taskId: string): Promise<LogLine[]> {
    await this.task(taskId);
    return await this.#store.log(this.#db, taskId);
  }

  /** Harbor's job queues: every job type, and the scheduler. */
  async queues(): Promise<QueueInfo[]> {
    const [pending, paused] = await Promise.all([this.#store.pendingByType(this.#db), this.#store.pausedQueues(this.#db)]);
    const byType = new Map(pending.map((p) => [p.vendorType, p]));
    return [...this.types, SCHEDULER].map((jobType) => ({ jobType, count: byType.get(jobType)?.count ?? 0, latency: byType.get(jobType)?.latency ?? 0, paused: paused.has(jobType) }));
  }

  /** Harbor's queue actions; `all` is every queue. Pausing keeps pending jobs waiting, stopping ends them. */
  async queueAction(jobType: string, action: 'pause' | 'resume' | 'stop'): Promise<void> {
    const all = [...this.types, SCHEDULER];
    if (jobType !== 'all' && !all.includes(jobType)) throw new BerthError('NOT_FOUND', `job queue ${jobType} not found`);
    const targets = jobType === 'all' ? all : [jobType];
    if (action !== 'stop') {
      await this.#store.setPaused(this.#db, targets, action === 'pause');
      // This process at once; the others within a control pass.
      await this.#followPauses();
      return;
    }
    const stopped = await this.#db.transaction().execute(async (trx) => {
      const tasks = await this.#store.stopPending(trx, targets.filter((t) => t !== SCHEDULER));
      for (const executionId of new Set(tasks.map((t) => t.executionId))) await this.#store.refreshExecution(trx, executionId);
      return tasks;
    });
    for (const task of stopped) if (task.jobId) await this.#boss.cancel(task.vendorType, task.jobId);
  }

  async schedulerPaused(): Promise<boolean> {
    return (await this.#store.pausedQueues(this.#db)).has(SCHEDULER);
  }

  /**
   * Creates or changes the schedule of a job type (one per vendor id); its
   * next tick is computed on the database clock. In `db` when it is the
   * caller's transaction: the schedule then changes with what it belongs to.
   */
  async schedule(typeName: string, cron: string, payload: Record<string, unknown> = {}, vendorId = -1, db: Db = this.#db): Promise<void> {
    this.#type(typeName);
    const parsed = parseCron(cron);
    const now = await this.#store.now(db);
    await this.#store.putSchedule(db, { vendorType: typeName, vendorId, cron: parsed.expression, payload, nextFireAt: parsed.next(now) });
  }

  async unschedule(typeName: string, vendorId = -1, db: Db = this.#db): Promise<void> {
    await this.#store.deleteSchedule(db, typeName, vendorId);
  }

  async schedules(limit: number, offset: number): Promise<{ rows: ScheduleRow[]; total: number }> {
    return await this.#store.schedules(this.#db, limit, offset);
  }

  /** Worker pools of live processes (their heartbeat within three beats). */
  async pools(): Promise<PoolRow[]> {
    return await this.#store.pools(this.#db, (3 * this.#config.heartbeatMs) / 1000);
  }

  /** The workers of a pool (`all`: of every pool): one per slot, with the task it runs if any. */
  async workers(poolId: string): Promise<WorkerInfo[]> {
    const pools = await this.pools();
    const chosen = poolId === 'all' ? pools : pools.filter((p) => p.id === poolId);
    if (chosen.length === 0 && poolId !== 'all') throw new BerthError('NOT_FOUND', `worker pool ${poolId} not found`);
    const running = await this.#store.runningIn(this.#db, chosen.map((p) => p.id));
    return chosen.flatMap((pool) => {
      const tasks = running.filter((t) => t.workerPoolId === pool.id);
      const slots = Math.max(pool.concurrency, tasks.length);
      return Array.from({ length: slots }, (_, i) => ({ id: `${pool.id}-${i}`, poolId: pool.id, task: tasks[i] }));
    });
  }

  /** The queues, running tasks and schedules, for /metrics (indexed aggregates). */
  async activity(): Promise<JobActivity> {
    const [queues, running, scheduled] = await Promise.all([this.queues(), this.#store.runningByTypeAndPool(this.#db), this.#store.scheduleCount(this.#db)]);
    return { queues, running, scheduled };
  }

  /** How many jobs of each type this process's worker pool runs at once (jobs.workers). */
  get workerCount(): number {
    return this.#config.workers;
  }

  /** Called once per task run this process finished (metrics: Harbor's jobservice task counters). */
  onTaskRun(listener: (type: string, outcome: TaskOutcome, seconds: number) => void): void {
    this.#onTaskRun = listener;
  }

  /** For /health: the queue's own connection works and its schema is in place. */
  async check(): Promise<void> {
    if (!this.#started) throw new Error('the job service is not running');
    await this.#boss.getQueues();
  }

  #type(name: string): JobType<never> {
    const type = this.#types.get(name);
    if (!type) throw new BerthError('NOT_FOUND', `job type ${name} not found`);
    return type;
  }

  /** One pass of the per-process loop; passes never overlap. */
  async #control(): Promise<void> {
    if (this.#controlling || !this.#started) return;
    this.#controlling = (async () => {
      try {
        await this.#abortStopped();
        await this.#beat();
        await this.#followPauses();
        await this.#fireDueSchedules();
      } catch (error) {
        this.#log.warn({ err: error }, 'job service control pass failed');
      }
    })().finally(() => {
      this.#controlling = undefined;
    });
    await this.#controlling;
  }

  async #abortStopped(): Promise<void> {
    for (const taskId of await this.#store.stopRequestedAmong(this.#db, [...this.#running.keys()])) this.#abortRunning(taskId);
  }

  async #beat(): Promise<void> {
    if (this.#config.workers === 0 || Date.now() - this.#lastBeat < this.#config.heartbeatMs / 2) return;
    await this.#store.beat(this.#db, { id: this.#poolId, pid: process.pid, host: hostname(), concurrency: this.#config.workers });
    await this.#store.reapPools(this.#db, (3 * this.#config.heartbeatMs) / 1000);
    this.#lastBeat = Date.now();
  }

  /** Serialized: the control loop and a pause asked of this process must not both start working a queue. */
  async #followPauses(): Promise<void> {
    const run = this.#pauseSync.then(async () => await this.#applyPauses());
    this.#pauseSync = run.catch(() => undefined);
    await run;
  }

  /** Works the queues that are not paused, in this process, as the job_queue table says for all. */
  async #applyPauses(): Promise<void> {
    if (this.#config.workers === 0 || !this.#started) return;
    const paused = await this.#store.pausedQueues(this.#db);
    for (const name of this.#types.keys()) {
      if (paused.has(name) && this.#working.has(name)) {
        this.#working.delete(name);
        await this.#boss.offWork(name, { wait: false });
      } else if (!paused.has(name) && !this.#working.has(name)) {
        this.#working.add(name);
        // NOTIFY wakes workers for new jobs only; a retry coming due is found by polling, so the backstop stays short.
        await this.#boss.work<JobData>(name, { localConcurrency: this.#config.workers, batchSize: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1, burstWhenReadyExceeds: 1 }, async ([job]) => await this.#runJob(job!));
      }
    }
  }

  async #fireDueSchedules(): Promise<void> {
    const { due, now } = await this.#store.dueSchedules(this.#db);
    if (due.length === 0 || (await this.#store.pausedQueues(this.#db)).has(SCHEDULER)) return;
    for (const schedule of due) {
      // A type this process does not know (a module loaded elsewhere) is left to a process that does.
      if (!this.#types.has(schedule.vendorType)) continue;
      const cron = parseCron(schedule.cron);
      const late = now.getTime() - schedule.nextFireAt.getTime() > CATCH_UP_MS;
      const next = cron.next(late ? now : schedule.nextFireAt);
      await this.#db.transaction().execute(async (trx) => {
        if (!(await this.#store.claimTick(trx, schedule.id, schedule.nextFireAt, next, schedule.cron))) return;
        await this.launch(schedule.vendorType, schedule.payload, { trigger: 'SCHEDULE', vendorId: Number(schedule.vendorId), extraAttrs: { tick: schedule.nextFireAt.toISOString() }, trx });
      });
    }
  }

  async #runJob(job: Job<JobData>): Promise<void> {
    const type = this.#type(job.name);
    const { taskId } = job.data;
    const task = await this.#store.task(this.#db, taskId);
    if (!task) return;
    // Whatever logs during the run — the job, the services it calls — names the job, its execution and task.
    await withLogContext({ jobId: job.id, jobType: job.name, executionId: task.executionId, taskId }, async () => await this.#runTask(job, type, task));
  }

  async #runTask(job: Job<JobData>, type: JobType<never>, task: TaskRow): Promise<void> {
    const taskId = task.id;
    const claim = await this.#db.transaction().execute(async (trx) => {
      const claimed = await this.#store.startAttempt(trx, taskId, this.#poolId);
      await this.#store.refreshExecution(trx, task.executionId);
      return claimed;
    });
    if (!claim || 'stopped' in claim) return;
    const running: Running = { controller: new AbortController(), stopped: false };
    this.#running.set(taskId, running);
    const signal = AbortSignal.any([running.controller.signal, job.signal]);
    const log = this.#taskLogger(taskId);
    const ctx: JobContext = {
      log,
      signal,
      attempt: claim.runCount,
      taskId,
      executionId: task.executionId,
      progress: async (note) => await this.#store.checkIn(this.#db, taskId, note),
      attrs: async (attrs) => await this.#store.mergeTaskAttrs(this.#db, taskId, attrs),
    };
    let failure: unknown;
    const started = performance.now();
    try {
      const payload = type.payload.parse(job.data.payload);
      await log.info(`attempt ${claim.runCount} of ${type.maxAttempts} started on ${hostname()} (pid ${process.pid})`);
      await untilSettledOrStopped(type.run(ctx, payload as never), signal);
    } catch (error) {
      failure = error;
    } finally {
      this.#running.delete(taskId);
    }
    // Abandoned by pg-boss (timeout, lost claim) or by shutdown, and not settled within the grace: a failed attempt.
    if (failure === undefined && signal.aborted && !running.stopped) failure = signal.reason ?? new Error('aborted');
    if (running.stopped) {
      await log.info('stopped');
      await this.#finish(task.executionId, taskId, 'Stopped', 'stopped on request');
    } else if (failure === undefined) {
      await log.info('finished');
      await this.#finish(task.executionId, taskId, 'Success', '');
    } else {
      const message = failure instanceof Error ? failure.message : String(failure);
      const retrying = job.retryCount < type.maxAttempts - 1 && (type.retryable?.(failure) ?? true);
      await log.error(`attempt ${claim.runCount} failed: ${message}${retrying ? '; it will be retried' : ''}`);
      await this.#finish(task.executionId, taskId, retrying ? 'Pending' : 'Error', message, retrying ? 0 : 1);
    }
    this.#onTaskRun?.(type.name, running.stopped ? 'stop' : failure === undefined ? 'success' : 'fail', (performance.now() - started) / 1000);
    // pg-boss retries (with the type's delay and backoff) a job whose handler threw.
    if (failure !== undefined && !running.stopped && (type.retryable?.(failure) ?? true)) throw failure;
  }

  /** A task's new status and its execution's, together: readers never see one without the other. */
  async #finish(executionId: string, taskId: string, status: 'Success' | 'Error' | 'Stopped' | 'Pending', message: string, statusCode = 0): Promise<boolean> {
    return await this.#db.transaction().execute(async (trx) => {
      const changed = await this.#store.finishTask(trx, taskId, status, message, statusCode);
      if (changed) await this.#store.refreshExecution(trx, executionId);
      return changed;
    });
  }

  #taskLogger(taskId: string): TaskLogger {
    const write = (level: string) => async (message: string) => {
      await this.#store.appendLog(this.#db, taskId, level, message);
      // A job's warnings and errors also reach the process log, where operators watch (with the job's ids from the context).
      if (level === 'WARNING') this.#log.warn(message);
      else if (level === 'ERROR') this.#log.error(message);
    };
    return { info: write('INFO'), warn: write('WARNING'), error: write('ERROR') };
  }
}

/** Waits for the run; once the signal aborts, for at most STOP_GRACE_MS more (a job that ignores its signal cannot hold a stop). */
async function untilSettledOrStopped(run: Promise<void>, signal: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<void>((resolve) => {
    const onAbort = () => {
      timer = setTimeout(resolve, STOP_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([run, abandoned]);
  } finally {
    clearTimeout(timer);
  }
}
