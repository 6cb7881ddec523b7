import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Harbor's execution/task model. The queue itself (claims, retries, heartbeats) is pg-boss's, in its
    -- own schema "pgboss" that pg-boss migrates at start; these tables are what Berth and its API show.
    CREATE TABLE execution (
      id bigserial PRIMARY KEY,
      vendor_type text NOT NULL,
      vendor_id bigint NOT NULL DEFAULT -1,
      trigger text NOT NULL CHECK (trigger IN ('MANUAL', 'SCHEDULE', 'EVENT')),
      status text NOT NULL DEFAULT 'Pending',
      status_message text NOT NULL DEFAULT '',
      extra_attrs jsonb NOT NULL DEFAULT '{}',
      start_time timestamptz NOT NULL DEFAULT now(),
      end_time timestamptz,
      update_time timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX execution_vendor ON execution (vendor_type, vendor_id, id DESC);

    CREATE TABLE task (
      id bigserial PRIMARY KEY,
      execution_id bigint NOT NULL REFERENCES execution (id) ON DELETE CASCADE,
      vendor_type text NOT NULL,
      -- pg-boss's job id, to cancel a pending job.
      job_id text,
      status text NOT NULL DEFAULT 'Pending',
      status_code int NOT NULL DEFAULT 0,
      status_message text NOT NULL DEFAULT '',
      run_count int NOT NULL DEFAULT 0,
      -- Polled by the process running the task: a stop must reach whichever replica holds it.
      stop_requested boolean NOT NULL DEFAULT false,
      worker_pool_id text,
      check_in text NOT NULL DEFAULT '',
      check_in_time timestamptz,
      extra_attrs jsonb NOT NULL DEFAULT '{}',
      creation_time timestamptz NOT NULL DEFAULT now(),
      start_time timestamptz,
      end_time timestamptz,
      update_time timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX task_execution ON task (execution_id);
    CREATE INDEX task_active ON task (vendor_type, status) WHERE status IN ('Pending', 'Running');

    -- One row per line: appending is an insert, not a rewrite of an ever larger value.
    CREATE TABLE task_log (
      id bigserial PRIMARY KEY,
      task_id bigint NOT NULL REFERENCES task (id) ON DELETE CASCADE,
      logged_at timestamptz NOT NULL DEFAULT now(),
      level text NOT NULL,
      message text NOT NULL
    );
    CREATE INDEX task_log_task ON task_log (task_id, id);

    -- Harbor's schedules: a 6-field cron (seconds first) per vendor. next_fire_at is claimed with a
    -- compare-and-set, so each tick fires once whatever the number of replicas.
    CREATE TABLE job_schedule (
      id bigserial PRIMARY KEY,
      vendor_type text NOT NULL,
      vendor_id bigint NOT NULL DEFAULT -1,
      cron text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      next_fire_at timestamptz NOT NULL,
      creation_time timestamptz NOT NULL DEFAULT now(),
      update_time timestamptz NOT NULL DEFAULT now(),
      UNIQUE (vendor_type, vendor_id)
    );

    -- Paused queues (job types, and SCHEDULER for the scheduler itself), seen by every replica.
    CREATE TABLE job_queue (
      job_type text PRIMARY KEY,
      paused boolean NOT NULL DEFAULT false,
      update_time timestamptz NOT NULL DEFAULT now()
    );

    -- Each running process's worker pool, kept by its heartbeat; rows of processes that stopped
    -- beating are removed by the others.
    CREATE TABLE job_worker_pool (
      id text PRIMARY KEY,
      pid int NOT NULL,
      host text NOT NULL,
      concurrency int NOT NULL,
      start_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
