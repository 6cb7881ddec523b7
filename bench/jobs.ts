/**
 * The job service's two figures that matter to a user: how long a job waits
 * between enqueue and start on an idle queue, and how many small jobs per
 * second one process gets through (ten concurrent enqueuers) — each through JobService as Berth runs it
 * (execution + task rows + pg-boss job in one transaction; a start, two log
 * lines and a finish per job), on an embedded PostgreSQL in a temp dir.
 *
 *   node bench/jobs.ts            (BENCH_JOBS: 1000, BENCH_JOBS_WORKERS: 10)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createDatabase, migrateToLatest } from '../server/src/db/database.ts';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { defineJobType } from '../server/src/jobs/job-type.ts';
import { JobService } from '../server/src/jobs/jobs.service.ts';
import { JobsStore } from '../server/src/jobs/jobs.store.ts';
import { createLogger } from '../server/src/logger.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 1000);
const WORKERS = Number(process.env.BENCH_JOBS_WORKERS ?? 10);
const LATENCY_SAMPLES = 50;

const started = new Map<string, number>();
let done = 0;
const NOOP = defineJobType({
  name: 'BENCH_NOOP',
  payload: z.object({ id: z.string() }),
  maxAttempts: 1,
  retry: { delaySeconds: 1, backoff: false },
  run: async (_ctx, { id }) => {
    started.set(id, performance.now());
    done++;
  },
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 2));
}

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-jobs-'));
const log = createLogger('warn');
const embedded = await startEmbeddedPostgres(dir, log);
const db = createDatabase(embedded.url(), 20, log);
try {
  await migrateToLatest(db);
  const jobs = new JobService({ db, store: new JobsStore(), log, databaseUrl: embedded.url(), config: { workers: WORKERS, heartbeatMs: 10_000 } });
  jobs.register(NOOP);
  await jobs.start();

  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const id = `l${i}`;
    const t0 = performance.now();
    await jobs.enqueue('BENCH_NOOP', { id });
    await until(() => started.has(id));
    latencies.push(started.get(id)! - t0);
  }
  latencies.sort((x, y) => x - y);

  done = 0;
  const t0 = performance.now();
  // As requests would: ten enqueuers at once, each committing its own transaction.
  let next = 0;
  await Promise.all(Array.from({ length: 10 }, async () => {
    while (next < JOBS) await jobs.enqueue('BENCH_NOOP', { id: `t${next++}` });
  }));
  const enqueued = performance.now() - t0;
  await until(() => done >= JOBS);
  const ran = performance.now() - t0;
  await jobs.stop();

  const figures = {
    workers: WORKERS,
    enqueue_to_start_ms: { p50: +percentile(latencies, 50).toFixed(1), p95: +percentile(latencies, 95).toFixed(1), max: +latencies.at(-1)!.toFixed(1) },
    jobs: JOBS,
    enqueue_per_s: Math.round(JOBS / (enqueued / 1000)),
    all_done_s: +(ran / 1000).toFixed(2),
    jobs_per_s: Math.round(JOBS / (ran / 1000)),
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await db.destroy();
  await embedded.stop();
  rmSync(dir, { recursive: true, force: true });
}
