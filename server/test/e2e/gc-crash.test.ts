import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { seedBlobs } from '../../../bench/seed-blobs.ts';
import { createDatabase, type Db } from '../../src/db/database.ts';
import { QuotasStore } from '../../src/quotas/quotas.store.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { imageOf, makeLayer, OCI_MANIFEST, type Image } from '../fixtures/image-builder.ts';
import { checkInvariants, describeViolations } from '../fixtures/invariants.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';

/**
 * `berth gc` killed with SIGKILL in each phase — while it deletes untagged artifacts, while it marks
 * and sweeps blobs, while it walks storage — beside a serving Berth: after each kill the invariants
 * hold, and the next run finishes the work. Many seeded blobs make each phase long enough to be
 * caught in.
 */
const LAUNCHER = new URL('../../bin/berth', import.meta.url).pathname;
const SEEDED = 16_000;

interface Progress {
  phase: string;
  artifacts: number;
  marked: number;
  swept: number;
}

/** Parses berth gc's plain progress lines (gc-output.ts describeProgress). */
function parseProgress(line: string): Progress | undefined {
  const match = /^progress ([a-z-]+): (\d+) artifacts, (\d+) blobs marked, (\d+) swept/.exec(line);
  return match ? { phase: match[1]!, artifacts: Number(match[2]), marked: Number(match[3]), swept: Number(match[4]) } : undefined;
}

/**
 * Runs `berth gc` on the server's data and database; with `killWhen`, SIGKILLs it at the first
 * progress line that satisfies it. Resolves to its exit code (null when killed) and output.
 */
function runGc(berth: BerthProcess, args: string[], killWhen?: (progress: Progress) => boolean): Promise<{ code: number | null; killedAt?: Progress; output: string }> {
  return new Promise((resolve, reject) => {
    const path = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
    const child = spawn(LAUNCHER, ['gc', ...args], { env: { ...process.env, ...berth.env, PATH: path }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    let killedAt: Progress | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const progress = parseProgress(line);
        if (killWhen && !killedAt && progress && killWhen(progress)) {
          killedAt = progress;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, ...(killedAt && { killedAt }) }));
  });
}

describe('berth gc killed in every phase, then run again', () => {
  let berth: BerthProcess;
  let db: Db;
  let storage: FilesystemDriver;
  let client: RegistryClient;
  let image: Image;

  before(async () => {
    berth = await startBerth();
    db = createDatabase(berth.databaseUrl, 4);
    storage = new FilesystemDriver({ rootDirectory: join(berth.dataDir, 'registry') });
    client = new RegistryClient(berth.url, ADMIN_AUTH);
    await client.createProject('crash');
    image = imageOf([await makeLayer(4000, 'crash-a'), await makeLayer(4001, 'crash-b')], { created: 'crash' });
    await client.pushImage('crash/app', 'v1', image);
    // 16 000 blobs, half used by 2 000 tagged artifacts; untag half of those so delete_untagged has pages of work.
    await seedBlobs({ db, storageRoot: join(berth.dataDir, 'registry'), blobs: SEEDED, referencedShare: 0.5, writers: 2 });
    await sql`DELETE FROM tag WHERE name LIKE 'gc-%' AND artifact_id % 2 = 0`.execute(db);
  });

  after(async () => {
    await db?.destroy();
    await berth?.destroy();
  });

  const assertConsistent = async (afterSweep: boolean) => {
    const violations = await checkInvariants(db, storage, { afterSweep });
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.deepEqual(await new QuotasStore().usageDrift(db), [], 'quota usage equals a recount');
  };
  const pullStatuses = async () => {
    const statuses = [(await client.request('GET', `/v2/crash/app/manifests/v1`, { headers: { accept: OCI_MANIFEST } })).status];
    for (const blob of [image.config, ...image.layers]) statuses.push((await client.request('GET', `/v2/crash/app/blobs/${blob.digest}`)).status);
    return statuses;
  };
  const count = async (query: ReturnType<typeof sql<{ n: string }>>) => Number((await query.execute(db)).rows[0]!.n);

  it('a kill while deleting untagged artifacts leaves every artifact whole or gone', async () => {
    const run = await runGc(berth, ['--delete-untagged', '--time-window', '0', '--workers', '2'], (p) => p.phase === 'untagged' && p.artifacts > 0);
    assert.equal(run.code, null, `killed: ${run.output}`);
    assert.ok(run.killedAt);
    await assertConsistent(false);
    assert.deepEqual(await pullStatuses(), [200, 200, 200, 200]);
  });

  it('a kill while marking and sweeping blobs leaves marked rows that no pull serves, and nothing served without bytes', async () => {
    const run = await runGc(berth, ['--delete-untagged', '--time-window', '0', '--workers', '2'], (p) => p.phase === 'blobs' && p.swept > 0);
    assert.equal(run.code, null, `killed: ${run.output}`);
    await assertConsistent(false);
    assert.deepEqual(await pullStatuses(), [200, 200, 200, 200]);
  });

  it('a kill while walking storage, then a run to the end: all garbage gone, nothing else', async () => {
    const killed = await runGc(berth, ['--delete-untagged', '--time-window', '0'], (p) => p.phase === 'unknown-bytes');
    assert.equal(killed.code, null, `killed: ${killed.output}`);
    await assertConsistent(false);

    const finished = await runGc(berth, ['--delete-untagged', '--time-window', '0', '--workers', '3']);
    assert.equal(finished.code, 0, finished.output);
    assert.match(finished.output, /^done: .* freed$/m);
    await assertConsistent(true);
    assert.equal(await count(sql`SELECT count(*) AS n FROM blob WHERE state = 'deleting'`), 0);
    // What stays: the tagged half of the seeded artifacts' blobs (4 each), and the pushed image's config and layers.
    const tagged = await count(sql`SELECT count(*) AS n FROM tag WHERE name LIKE 'gc-%'`);
    assert.equal(await count(sql`SELECT count(*) AS n FROM blob`), tagged * 4 + 3);
    assert.equal(await count(sql`SELECT count(*) AS n FROM artifact a WHERE NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)`), 0);
    assert.deepEqual(await pullStatuses(), [200, 200, 200, 200]);

    const again = await runGc(berth, ['--delete-untagged', '--time-window', '0', '--dry-run']);
    assert.equal(again.code, 0, again.output);
    assert.match(again.output, /^dry run, nothing deleted: done: 0 artifacts, 0 blobs marked, 0 swept, 0 links, 0 unknown bytes, 0 uploads, 0 B freed$/m);
  });
});
