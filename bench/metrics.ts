/**
 * What a Prometheus scrape of Berth costs at a scale the tests do not seed:
 * BENCH_METRICS_PROJECTS projects (1000) × BENCH_METRICS_REPOS (100)
 * repositories with an artifact each, on an embedded PostgreSQL in a temp
 * dir. Two figures, each the median of BENCH_METRICS_SCRAPES (15) scrapes
 * after one warm-up: a scrape as Prometheus meets it (figures re-read at most
 * every 5 s, behind the scrape), and the database reads behind one (uncached),
 * plus the size of the exposition.
 *
 *   node bench/metrics.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../server/src/app.ts';
import { ensureAdmin } from '../server/src/auth/admin.ts';
import { loadConfig } from '../server/src/config/config.ts';
import { createDatabase, migrateToLatest } from '../server/src/db/database.ts';
import { startEmbeddedPostgres } from '../server/src/db/embedded-postgres.ts';
import { createLogger } from '../server/src/logger.ts';
import type { SnapshotTimes } from '../server/src/metrics/metrics.ts';
import { FilesystemDriver } from '../server/src/storage/drivers/filesystem.driver.ts';
import { seedProjects } from '../server/test/fixtures/seed-projects.ts';

const PROJECTS = Number(process.env.BENCH_METRICS_PROJECTS ?? 1000);
const REPOS = Number(process.env.BENCH_METRICS_REPOS ?? 100);
const SCRAPES = Number(process.env.BENCH_METRICS_SCRAPES ?? 15);

const dir = mkdtempSync(join(tmpdir(), 'berth-bench-metrics-'));
const log = createLogger('fatal');
const embedded = await startEmbeddedPostgres(dir, log);
const db = createDatabase(embedded.url(), 20, log);
try {
  await migrateToLatest(db);
  const config = loadConfig({ env: { BERTH_DATA_DIR: dir, BERTH_DATABASE_URL: embedded.url(), BERTH_ADMIN_PASSWORD: 'Bench-Pass-1', BERTH_METRIC_ENABLED: 'true' }, cwd: dir });
  await ensureAdmin(db, config.admin_password, dir, log);
  const seeding = performance.now();
  const repositories = await seedProjects(db, PROJECTS, REPOS);
  const seeded = performance.now() - seeding;

  const measure = async (metricSnapshots: SnapshotTimes | undefined) => {
    const { app, metrics } = await buildApp({ config, db, databaseUrl: embedded.url(), storage: new FilesystemDriver({ rootDirectory: join(dir, 'registry') }), log, ...(metricSnapshots && { metricSnapshots }) });
    try {
      let bytes = (await metrics!.scrape()).body.length;
      const times: number[] = [];
      for (let i = 0; i < SCRAPES; i++) {
        const started = performance.now();
        bytes = (await metrics!.scrape()).body.length;
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      return { median_ms: +times[Math.floor(SCRAPES / 2)]!.toFixed(1), max_ms: +times.at(-1)!.toFixed(1), bytes };
    } finally {
      await app.close();
    }
  };
  const scrape = await measure(undefined);
  const uncached = await measure({ ttlMs: 0, timeoutMs: 60_000, staleMs: 0 });
  console.log(JSON.stringify({ projects: PROJECTS, repositories, seeded_s: +(seeded / 1000).toFixed(1), scrape, database_reads: uncached }, null, 2));
} finally {
  await db.destroy();
  await embedded.stop();
  rmSync(dir, { recursive: true, force: true });
}
