/**
 * The garbage-collection soak (npm run bench, section 9; or alone beside a running `berth serve`):
 *
 *   node bench/gc-soak.ts <berth-data-dir> <berth-url> <authorization header> [minutes]
 *
 * The stress test of issue 11 for as long as asked (default 30 minutes): 4 clients push images on shared
 * layers and indexes, pull and delete (test/fixtures/stress.ts) in library/gc-soak-a and -b while
 * `berth gc --time-window 0 --delete-untagged --workers 3` runs back to back, each in a process of its
 * own beside the server (as another replica would). Then one more collection at rest and the invariant
 * check over database and storage (test/fixtures/invariants.ts: every artifact's blobs live rows with
 * bytes, no live row without bytes, no bytes without a row) and quota usage against a recount.
 * Prints "key value" lines (bench/run.sh records them) and a summary on stderr. What must hold: no pull of
 * a committed artifact fails, no invariant is broken, no push or delete answered unexpectedly.
 */
import { join } from 'node:path';
import { createDatabase } from '../server/src/db/database.ts';
import { QuotasStore } from '../server/src/quotas/quotas.store.ts';
import { FilesystemDriver } from '../server/src/storage/drivers/filesystem.driver.ts';
import { checkInvariants, describeViolations } from '../server/test/fixtures/invariants.ts';
import { runStress } from '../server/test/fixtures/stress.ts';
import { berthGc, databaseUrlOf } from './berth-gc.ts';

const [dataDir, url, authorization, minutesArg] = process.argv.slice(2);
if (!dataDir || !url || !authorization) {
  console.error('usage: gc-soak.ts <berth-data-dir> <berth-url> <authorization header> [minutes]');
  process.exit(2);
}
const MINUTES = Number(minutesArg ?? 30);
const say = (line: string) => console.error(line);
const record = (key: string, value: string | number) => console.log(`${key} ${value}`);

/** One `berth gc` process to its end; what it swept. */
const collect = async (): Promise<number> => {
  const { code, output } = await berthGc(dataDir, ['--time-window', '0', '--delete-untagged', '--workers', '3']);
  if (code !== 0) throw new Error(`berth gc exited with ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`);
  return Number(/^done: \d+ artifacts, \d+ blobs marked, (\d+) swept/m.exec(output)?.[1] ?? 0);
};

const db = createDatabase(databaseUrlOf(dataDir), 2);
try {
  say(`  9: GC soak, ${MINUTES} min: 4 clients push, pull and delete while berth gc (time window 0, delete_untagged) runs back to back`);
  let swept = 0;
  const result = await runStress({
    url,
    auth: authorization,
    repositories: ['library/gc-soak-a', 'library/gc-soak-b'],
    clients: 4,
    durationMs: MINUTES * 60_000,
    meanwhile: async () => {
      swept += await collect();
    },
  });
  swept += await collect();
  const violations = await checkInvariants(db, new FilesystemDriver({ rootDirectory: join(dataDir, 'registry') }), { afterSweep: true });
  const drift = await new QuotasStore().usageDrift(db);
  const deletes = result.tagDeletes + result.manifestDeletes;
  record('gc_soak.minutes', (result.durationMs / 60_000).toFixed(1));
  record('gc_soak.pushes', result.pushes);
  record('gc_soak.pushes_retried', result.pushesRetried);
  record('gc_soak.pushes_refused', result.pushesRefused);
  record('gc_soak.pulls', result.pulls);
  record('gc_soak.failed_pulls', result.failedPulls.length);
  record('gc_soak.deletes', deletes);
  record('gc_soak.gc_runs', result.meanwhileRuns + 1);
  record('gc_soak.blobs_swept', swept);
  record('gc_soak.errors', result.errors.length);
  record('gc_soak.invariant_violations', violations.length);
  record('gc_soak.quota_drift', drift.length);
  say(`    ${result.pushes} pushes (${result.pushesRetried} pushed again after a collection took a layer between HEAD and PUT, ${result.pushesRefused} refused again), ${result.pulls} pulls (${result.failedPulls.length} failed), ${deletes} deletes (${result.tagDeletes} tags, ${result.manifestDeletes} manifests)`);
  say(`    ${result.meanwhileRuns + 1} collections, ${swept} blobs swept; ${result.errors.length} errors; invariants: ${violations.length === 0 ? 'hold' : `${violations.length} violations`}; quota usage ${drift.length === 0 ? 'equals a recount' : `off in ${drift.length} projects`}`);
  for (const failed of result.failedPulls.slice(0, 10)) say(`    failed pull: ${JSON.stringify(failed)}`);
  for (const error of result.errors.slice(0, 10)) say(`    error: ${error}`);
  if (violations.length > 0) say(describeViolations(violations.slice(0, 20)));
} finally {
  await db.destroy();
}
