import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

export type Trigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';
/** Harbor's task and execution statuses. */
export type TaskStatus = 'Pending' | 'Running' | 'Stopped' | 'Error' | 'Success';

export interface TaskRow {
  id: string;
  executionId: string;
  vendorType: string;
  jobId: string | null;
  status: TaskStatus;
  statusCode: number;
  statusMessage: string;
  runCount: number;
  workerPoolId: string | null;
  checkIn: string;
  checkInTime: Date | null;
  /** Harbor's task extra attributes: what its vendor's API shows of the task (retention: repository, total, retained). */
  extraAttrs: Record<string, unknown>;
  creationTime: Date;
  startTime: Date | null;
  endTime: Date | null;
}

export interface ExecutionRow {
  id: string;
  vendorType: string;
  vendorId: string;
  trigger: Trigger;
  status: TaskStatus;
  statusMessage: string;
  extraAttrs: Record<string, unknown>;
  startTime: Date;
  endTime: Date | null;
}

export interface ScheduleRow {
  id: string;
  vendorType: string;
  vendorId: string;
  cron: string;
  payload: Record<string, unknown>;
  nextFireAt: Date;
  updateTime: Date;
}

export interface PoolRow {
  id: string;
  pid: number;
  host: string;
  concurrency: number;
  startAt: Date;
  heartbeatAt: Date;
}

export interface LogLine {
  loggedAt: Date;
  level: string;
  message: string;
}

/** SQL of the job service's tables (execution, task, task_log, job_schedule, job_queue, job_worker_pool). */
export class JobsStore {
  async insertExecution(db: Db, execution: { vendorType: string; vendorId: number; trigger: Trigger; extraAttrs: Record<string, unknown> }): Promise<string> {
    const row = await db
      .insertInto('execution')
      .values({ vendorType: execution.vendorType, vendorId: execution.vendorId, trigger: execution.trigger, extraAttrs: JSON.stringify(execution.extraAttrs) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async insertTask(db: Db, executionId: string, vendorType: string, extraAttrs: Record<string, unknown> = {}): Promise<string> {
    return (await db.insertInto('task').values({ executionId, vendorType, jobId: null, extraAttrs: JSON.stringify(extraAttrs) }).returning('id').executeTakeFirstOrThrow()).id;
  }

  async mergeTaskAttrs(db: Db, taskId: string, attrs: Record<string, unknown>): Promise<void> {
    await sql`UPDATE task SET extra_attrs = extra_attrs || ${JSON.stringify(attrs)}::jsonb, update_time = now() WHERE id = ${taskId}`.execute(db);
  }

  async setExecutionMessage(db: Db, executionId: string, message: string): Promise<void> {
    await db.updateTable('execution').set({ statusMessage: message }).where('id', '=', executionId).execute();
  }

  async setJobId(db: Db, taskId: string, jobId: string): Promise<void> {
    await db.updateTable('task').set({ jobId }).where('id', '=', taskId).execute();
  }

  async task(db: Db, taskId: string): Promise<TaskRow | undefined> {
    return (await db.selectFrom('task').selectAll().where('id', '=', taskId).executeTakeFirst()) as TaskRow | undefined;
  }

  async execution(db: Db, executionId: string): Promise<ExecutionRow | undefined> {
    return (await db.selectFrom('execution').selectAll().where('id', '=', executionId).executeTakeFirst()) as ExecutionRow | undefined;
  }

  async tasksOf(db: Db, executionId: string): Promise<TaskRow[]> {
    return (await db.selectFrom('task').selectAll().where('executionId', '=', executionId).orderBy('id').execute()) as TaskRow[];
  }

  /** A vendor type's latest executions, newest first. */
  async executionsOf(db: Db, vendorType: string, limit: number): Promise<ExecutionRow[]> {
    return (await db.selectFrom('execution').selectAll().where('vendorType', '=', vendorType).orderBy('id', 'desc').limit(limit).execute()) as ExecutionRow[];
  }

  /** A page of a vendor type's executions (of one vendor when `vendorId` is given), newest first, and how many there are. */
  async executionPage(db: Db, vendorType: string, vendorId: string | undefined, limit: number, offset: number): Promise<{ rows: ExecutionRow[]; total: number }> {
    let base = db.selectFrom('execution').where('vendorType', '=', vendorType);
    if (vendorId !== undefined) base = base.where('vendorId', '=', vendorId as never);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = (await base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute()) as ExecutionRow[];
    return { rows, total };
  }

  /** A page of an execution's tasks, in creation order, and how many it has. */
  async tasksPage(db: Db, executionId: string, limit: number, offset: number): Promise<{ rows: TaskRow[]; total: number }> {
    const base = db.selectFrom('task').where('executionId', '=', executionId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = (await base.selectAll().orderBy('id').limit(limit).offset(offset).execute()) as TaskRow[];
    return { rows, total };
  }

  /**
   * Claims a task for an attempt: Running, one more run, this pool. A task
   * stopped meanwhile becomes Stopped instead (the stop reached no process
   * while it waited, or its process died); null then, and for finished tasks.
   */
  async startAttempt(db: Db, taskId: string, poolId: string): Promise<{ runCount: number } | { stopped: true } | null> {
    const stopped = await sql<{ id: string }>`
      UPDATE task SET status = 'Stopped', end_time = now(), update_time = now()
       WHERE id = ${taskId} AND stop_requested AND status IN ('Pending', 'Running') RETURNING id`.execute(db);
    if (stopped.rows.length > 0) return { stopped: true };
    const { rows } = await sql<{ runCount: number }>`
      UPDATE task SET status = 'Running', run_count = run_count + 1, worker_pool_id = ${poolId}, status_message = '',
                      start_time = now(), end_time = NULL, update_time = now()
       WHERE id = ${taskId} AND status IN ('Pending', 'Running') RETURNING run_count`.execute(db);
    return rows[0] ?? null;
  }

  /** Ends a task that is still Pending or Running (a stop that already ended it is kept). */
  async finishTask(db: Db, taskId: string, status: 'Success' | 'Error' | 'Stopped' | 'Pending', message: string, statusCode = 0): Promise<boolean> {
    const end = status === 'Pending' ? sql`NULL` : sql`now()`;
    const { rows } = await sql<{ id: string }>`
      UPDATE task SET status = ${status}, status_message = ${message}, status_code = ${statusCode}, end_time = ${end}, update_time = now()
       WHERE id = ${taskId} AND status IN ('Pending', 'Running') RETURNING id`.execute(db);
    return rows.length > 0;
  }

  /**
   * An execution's status from its tasks, as Harbor derives it: running while
   * any task is, else pending while any is, else the worst of the ended ones.
   * Called in the transaction that changed a task. The execution's row is
   * locked first and the tasks read in the next statement: two tasks ending
   * at once then derive one after the other, the second seeing the first's
   * commit (a statement that waited for the lock would still read the tasks
   * as of its start, both would see the other running, and the execution
   * would stay Running).
   */
  async refreshExecution(db: Db, executionId: string): Promise<void> {
    await sql`SELECT id FROM execution WHERE id = ${executionId} FOR UPDATE`.execute(db);
    await sql`
      UPDATE execution e SET status = s.status,
             end_time = CASE WHEN s.status IN ('Running', 'Pending') THEN NULL ELSE coalesce(e.end_time, now()) END,
             update_time = now()
        FROM (SELECT CASE WHEN bool_or(status = 'Running') THEN 'Running'
                          WHEN bool_or(status = 'Pending') THEN 'Pending'
                          WHEN bool_or(status = 'Error') THEN 'Error'
                          WHEN bool_or(status = 'Stopped') THEN 'Stopped'
                          ELSE 'Success' END AS status
                FROM task WHERE execution_id = ${executionId}) s
       WHERE e.id = ${executionId}`.execute(db);
  }

  /** Tasks still Pending or Running, with their executions (berth restore ends them: no queued job is restored with them). */
  async unfinishedTasks(db: Db): Promise<{ id: string; executionId: string }[]> {
    const { rows } = await sql<{ id: string; executionId: string }>`
      SELECT id, execution_id AS "executionId" FROM task WHERE status IN ('Pending', 'Running') ORDER BY id`.execute(db);
    return rows;
  }

  async requestStop(db: Db, taskId: string): Promise<TaskRow | undefined> {
    const { rows } = await sql<TaskRow>`
      UPDATE task SET stop_requested = true, update_time = now() WHERE id = ${taskId} AND status IN ('Pending', 'Running') RETURNING *`.execute(db);
    return rows[0];
  }

  async stopRequestedAmong(db: Db, taskIds: string[]): Promise<string[]> {
    if (taskIds.length === 0) return [];
    const rows = await db.selectFrom('task').select('id').where('id', 'in', taskIds).where('stopRequested', '=', true).execute();
    return rows.map((r) => r.id);
  }

  /** Marks every pending task of the types stopped, returning them (to cancel their queued jobs). */
  async stopPending(db: Db, vendorTypes: string[]): Promise<{ id: string; executionId: string; vendorType: string; jobId: string | null }[]> {
    if (vendorTypes.length === 0) return [];
    const { rows } = await sql<{ id: string; executionId: string; vendorType: string; jobId: string | null }>`
      UPDATE task SET status = 'Stopped', stop_requested = true, end_time = now(), update_time = now()
       WHERE status = 'Pending' AND vendor_type IN (${sql.join(vendorTypes)})
      RETURNING id, execution_id, vendor_type, job_id`.execute(db);
    return rows;
  }

  async checkIn(db: Db, taskId: string, note: string): Promise<void> {
    await sql`UPDATE task SET check_in = ${note}, check_in_time = now(), update_time = now() WHERE id = ${taskId}`.execute(db);
  }

  async appendLog(db: Db, taskId: string, level: string, message: string): Promise<void> {
    await db.insertInto('taskLog').values({ taskId, level, message }).execute();
  }

  async log(db: Db, taskId: string): Promise<LogLine[]> {
    return await db.selectFrom('taskLog').select(['loggedAt', 'level', 'message']).where('taskId', '=', taskId).orderBy('id').execute();
  }

  /** Pending tasks per type, and the age in seconds of the oldest (Harbor's queue latency). */
  async pendingByType(db: Db): Promise<{ vendorType: string; count: number; latency: number }[]> {
    const { rows } = await sql<{ vendorType: string; count: string; latency: string }>`
      SELECT vendor_type, count(*) AS count, floor(extract(epoch FROM now() - min(creation_time))) AS latency
        FROM task WHERE status = 'Pending' GROUP BY vendor_type`.execute(db);
    return rows.map((r) => ({ vendorType: r.vendorType, count: Number(r.count), latency: Number(r.latency) }));
  }

  /** Running tasks per type and worker pool (Harbor's task concurrency), through the partial index of active tasks. */
  async runningByTypeAndPool(db: Db): Promise<{ vendorType: string; poolId: string; running: number }[]> {
    const { rows } = await sql<{ vendorType: string; poolId: string; running: string }>`
      SELECT vendor_type, worker_pool_id AS pool_id, count(*) AS running FROM task
       WHERE status = 'Running' AND worker_pool_id IS NOT NULL GROUP BY vendor_type, worker_pool_id`.execute(db);
    return rows.map((r) => ({ vendorType: r.vendorType, poolId: r.poolId, running: Number(r.running) }));
  }

  async scheduleCount(db: Db): Promise<number> {
    return Number((await db.selectFrom('jobSchedule').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  }

  async pausedQueues(db: Db): Promise<Set<string>> {
    const rows = await db.selectFrom('jobQueue').select('jobType').where('paused', '=', true).execute();
    return new Set(rows.map((r) => r.jobType));
  }

  async setPaused(db: Db, jobTypes: string[], paused: boolean): Promise<void> {
    if (jobTypes.length === 0) return;
    await db
      .insertInto('jobQueue')
      .values(jobTypes.map((jobType) => ({ jobType, paused })))
      .onConflict((oc) => oc.column('jobType').doUpdateSet({ paused, updateTime: sql`now()` } as never))
      .execute();
  }

  async now(db: Db): Promise<Date> {
    return (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
  }

  /** Creates or updates a schedule; its next tick is recomputed only when its cron changed. */
  async putSchedule(db: Db, schedule: { vendorType: string; vendorId: number; cron: string; payload: Record<string, unknown>; nextFireAt: Date }): Promise<void> {
    await sql`
      INSERT INTO job_schedule (vendor_type, vendor_id, cron, payload, next_fire_at)
      VALUES (${schedule.vendorType}, ${schedule.vendorId}, ${schedule.cron}, ${JSON.stringify(schedule.payload)}, ${schedule.nextFireAt})
      ON CONFLICT (vendor_type, vendor_id) DO UPDATE
         SET payload = EXCLUDED.payload,
             next_fire_at = CASE WHEN job_schedule.cron = EXCLUDED.cron THEN job_schedule.next_fire_at ELSE EXCLUDED.next_fire_at END,
             update_time = CASE WHEN job_schedule.cron = EXCLUDED.cron AND job_schedule.payload = EXCLUDED.payload THEN job_schedule.update_time ELSE now() END,
             cron = EXCLUDED.cron`.execute(db);
  }

  async deleteSchedule(db: Db, vendorType: string, vendorId: number): Promise<void> {
    await db.deleteFrom('jobSchedule').where('vendorType', '=', vendorType).where('vendorId', '=', String(vendorId) as never).execute();
  }

  async schedules(db: Db, limit: number, offset: number): Promise<{ rows: ScheduleRow[]; total: number }> {
    const total = Number((await db.selectFrom('jobSchedule').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = (await db.selectFrom('jobSchedule').selectAll().orderBy('id').limit(limit).offset(offset).execute()) as ScheduleRow[];
    return { rows, total };
  }

  async dueSchedules(db: Db): Promise<{ due: ScheduleRow[]; now: Date }> {
    const { rows } = await sql<ScheduleRow & { dbNow: Date }>`SELECT *, now() AS db_now FROM job_schedule WHERE next_fire_at <= now() ORDER BY next_fire_at`.execute(db);
    const now = rows[0]?.dbNow ?? (await this.now(db));
    return { due: rows, now };
  }

  /** Moves a schedule from the tick it was due at to the next one; false when another process already did (or its cron changed). */
  async claimTick(db: Db, scheduleId: string, due: Date, next: Date, cron: string): Promise<boolean> {
    const { rows } = await sql<{ id: string }>`
      UPDATE job_schedule SET next_fire_at = ${next} WHERE id = ${scheduleId} AND next_fire_at = ${due} AND cron = ${cron} RETURNING id`.execute(db);
    return rows.length > 0;
  }

  async beat(db: Db, pool: { id: string; pid: number; host: string; concurrency: number }): Promise<void> {
    await sql`
      INSERT INTO job_worker_pool (id, pid, host, concurrency) VALUES (${pool.id}, ${pool.pid}, ${pool.host}, ${pool.concurrency})
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`.execute(db);
  }

  async deletePool(db: Db, id: string): Promise<void> {
    await db.deleteFrom('jobWorkerPool').where('id', '=', id).execute();
  }

  /** Forgets pools whose process stopped beating for `seconds`. */
  async reapPools(db: Db, seconds: number): Promise<void> {
    await sql`DELETE FROM job_worker_pool WHERE heartbeat_at < now() - make_interval(secs => ${seconds})`.execute(db);
  }

  async pools(db: Db, aliveWithinSeconds: number): Promise<PoolRow[]> {
    const { rows } = await sql<PoolRow>`
      SELECT * FROM job_worker_pool WHERE heartbeat_at >= now() - make_interval(secs => ${aliveWithinSeconds}) ORDER BY start_at, id`.execute(db);
    return rows;
  }

  async runningIn(db: Db, poolIds: string[]): Promise<TaskRow[]> {
    if (poolIds.length === 0) return [];
    return (await db.selectFrom('task').selectAll().where('status', '=', 'Running').where('workerPoolId', 'in', poolIds).orderBy('startTime').orderBy('id').execute()) as TaskRow[];
  }
}
