/**
 * The garbage-collection bench (npm run bench, section 8; or alone beside a running `berth serve`):
 *
 *   node bench/gc.ts <berth-data-dir> <berth-url> <authorization header> [blobs] [push-seconds]
 *
 * 1. Seeds <blobs> (default 1 000 000) blobs into the server's embedded PostgreSQL and filesystem
 *    storage (bench/seed-blobs.ts): 10 % used by tagged artifacts, the rest garbage.
 * 2. Push throughput with no collection running: 4 clients push small images (a 64 KiB layer, a
 *    config, a tagged manifest) for <push-seconds> (default 60: 20-second windows drifted by 18 % between
 *    before and after on an idle machine, and took in the start of the `berth gc` process).
 * 3. `berth gc --time-window 0 --workers 4` as its own process (the server keeps serving), under
 *    /usr/bin/time for its wall time and peak RSS, while the same clients push again for as long as
 *    it runs (at most <push-seconds>).
 * 4. Pushes alone again, after it: the rate without is the mean of 2 and 4.
 * Prints "key value" lines (bench/run.sh records them) and a summary on stderr. Targets (issue 11):
 * the collection under 10 minutes with RSS under 300 MB, pushes while it runs ≥ 0.9 × without.
 */
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createDatabase } from '../server/src/db/database.ts';
import { berthGc, databaseUrlOf } from './berth-gc.ts';
import { GC_BENCH_REPOSITORY, seedBlobs } from './seed-blobs.ts';

const [dataDir, url, authorization, blobsArg, secondsArg] = process.argv.slice(2);
if (!dataDir || !url || !authorization) {
  console.error('usage: gc.ts <berth-data-dir> <berth-url> <authorization header> [blobs] [push-seconds]');
  process.exit(2);
}
const BLOBS = Number(blobsArg ?? 1_000_000);
const PUSH_SECONDS = Number(secondsArg ?? 60);
const CLIENTS = 4;
const databaseUrl = databaseUrlOf(dataDir);
const say = (line: string) => console.error(line);
const record = (key: string, value: string | number) => console.log(`${key} ${value}`);

const sha = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function check(response: Response, status: number, what: string): Promise<void> {
  const body = await response.text();
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${body.slice(0, 200)}`);
}

async function uploadBlob(repository: string, bytes: Buffer): Promise<string> {
  const digest = sha(bytes);
  const started = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization } });
  await check(started, 202, 'start upload');
  const location = new URL(started.headers.get('location')!, url);
  location.searchParams.set('digest', digest);
  await check(await fetch(location, { method: 'PUT', headers: { authorization, 'content-type': 'application/octet-stream' }, body: bytes }), 201, 'finish upload');
  return digest;
}

/** One small image, pushed and tagged; the pushes counted over `ms` by `clients` clients. */
async function pushFor(ms: number, until: () => boolean = () => false): Promise<{ pushes: number; seconds: number; failures: number }> {
  const deadline = Date.now() + ms;
  const started = Date.now();
  let pushes = 0;
  let failures = 0;
  let serial = 0;
  const client = async () => {
    while (Date.now() < deadline && !until()) {
      const n = serial++;
      try {
        const layer = randomBytes(64 * 1024);
        const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha(layer)] }, created: `${Date.now()}-${n}` }));
        const layerDigest = await uploadBlob('library/gc-push', layer);
        const configDigest = await uploadBlob('library/gc-push', config);
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
            layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
          }),
        );
        const put = await fetch(`${url}/v2/library/gc-push/manifests/p${process.pid}-${n}`, { method: 'PUT', headers: { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: manifest });
        await check(put, 201, 'manifest');
        pushes++;
      } catch (error) {
        failures++;
        say(`    push failed: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { pushes, seconds: (Date.now() - started) / 1000, failures };
}

const db = createDatabase(databaseUrl, 2);
try {
  say(`  8: seeding ${BLOBS} blobs into ${GC_BENCH_REPOSITORY}`);
  const seeded = await seedBlobs({ db, storageRoot: join(dataDir, 'registry'), blobs: BLOBS });
  record('gc.blobs_seeded', seeded.blobs);
  record('gc.blobs_referenced', seeded.referenced);
  record('gc.seed_seconds', (seeded.totalMs / 1000).toFixed(1));
  say(`    seeded in ${(seeded.totalMs / 1000).toFixed(1)} s (${seeded.referenced} referenced by ${seeded.artifacts} artifacts)`);

  // Pushes without a collection before it and after it, the two averaged: a machine shared with other work
  // changes pace over minutes (each window's load average is recorded).
  const pushAlone = async (when: string) => {
    say(`  8: push throughput ${when}, ${CLIENTS} clients, ${PUSH_SECONDS} s, no collection running`);
    const alone = await pushFor(PUSH_SECONDS * 1000);
    const rate = alone.pushes / alone.seconds;
    record(`gc.push_rate_idle_${when}`, rate.toFixed(2));
    record(`gc.loadavg_idle_${when}`, loadavg()[0]!.toFixed(1));
    say(`    ${alone.pushes} pushes in ${alone.seconds.toFixed(1)} s: ${rate.toFixed(2)}/s (${alone.failures} failed), load average ${loadavg()[0]!.toFixed(1)}`);
    return rate;
  };
  const idleBefore = await pushAlone('before');

  say('  8: berth gc --time-window 0 --workers 4, pushing meanwhile');
  let running = true;
  const gc = berthGc(dataDir, ['--time-window', '0', '--workers', '4'], true).finally(() => (running = false));
  const during = await pushFor(PUSH_SECONDS * 1000, () => !running);
  const result = await gc;
  if (result.code !== 0) throw new Error(`berth gc exited with ${result.code}:\n${result.output}`);
  const [, wall, rssKb] = /^TIME ([\d.]+) (\d+)$/m.exec(result.output) ?? [];
  const done = /^done: (\d+) artifacts, (\d+) blobs marked, (\d+) swept.*$/m.exec(result.output);
  record('gc.loadavg_during', loadavg()[0]!.toFixed(1));
  const duringRate = during.pushes / during.seconds;
  const idleRate = (idleBefore + (await pushAlone('after'))) / 2;
  record('gc.push_rate_idle', idleRate.toFixed(2));
  const left = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM blob`.execute(db)).rows[0]!.n);
  record('gc.seconds', wall!);
  record('gc.peak_rss_mb', ((Number(rssKb) * 1024) / 1e6).toFixed(1));
  record('gc.blobs_swept', done?.[3] ?? 'NaN');
  record('gc.blobs_per_second', (Number(done?.[3]) / Number(wall)).toFixed(0));
  record('gc.blobs_left', left);
  record('gc.push_rate_during', duringRate.toFixed(2));
  record('gc.push_ratio', (duringRate / idleRate).toFixed(2));
  say(`    ${done?.[0] ?? result.output}`);
  say(`    collection: ${wall} s, peak RSS ${((Number(rssKb) * 1024) / 1e6).toFixed(1)} MB; ${left} blob rows left`);
  say(`    pushes meanwhile: ${during.pushes} in ${during.seconds.toFixed(1)} s: ${duringRate.toFixed(2)}/s (${during.failures} failed), ${(duringRate / idleRate).toFixed(2)} × without`);
} finally {
  await db.destroy();
}
