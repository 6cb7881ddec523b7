import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { BackupService } from '../../src/backup/backup.service.ts';
import { BackupStore } from '../../src/backup/backup.store.ts';
import { ContentStore } from '../../src/content/content.store.ts';
import { SWEEPING } from '../../src/db/advisory-locks.ts';
import { RestoreService, verifyBackup } from '../../src/backup/restore.service.ts';
import { createDatabase, type Db } from '../../src/db/database.ts';
import { JobsStore } from '../../src/jobs/jobs.store.ts';
import { SettingsService } from '../../src/settings/settings.service.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { imageOf, makeLayer, type Image } from '../fixtures/image-builder.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

/**
 * berth backup's protection against garbage collection, step by step: a run
 * between the backup's snapshot and its copy marks the blobs an artifact
 * deleted after the snapshot left unreferenced, but sweeps none of their
 * bytes while the backup holds the fence; the backup copies them, the
 * restore has the artifact whole, and the next run, once the backup ended,
 * deletes them.
 */
let t: TestApp;
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

before(async () => {
  t = await startTestApp();
  dir = mkdtempSync(join(tmpdir(), 'berth-backup-it-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  await t.client.createProject('bk');
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await t.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the backup fence', () => {
  const store = new ContentStore();
  /** A sweep transaction held open until `release` is called; resolves `free` with what it was told. */
  const openSweep = () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let told!: (free: boolean) => void;
    const free = new Promise<boolean>((resolve) => (told = resolve));
    const done = t.db.transaction().execute(async (trx) => {
      told(await store.sweepUnlessBackingUp(trx));
      await released;
    });
    return { free, release, done };
  };

  it('lets the sweeps of parallel workers and other replicas run together', async () => {
    const sweeps = [openSweep(), openSweep(), openSweep()];
    assert.deepEqual(await Promise.all(sweeps.map((s) => s.free)), [true, true, true]);
    for (const sweep of sweeps) sweep.release();
    await Promise.all(sweeps.map((s) => s.done));
  });

  it('holds sweeps back while a backup holds it, and makes the backup wait for a sweep in progress', async () => {
    const inProgress = openSweep();
    assert.equal(await inProgress.free, true);
    const backup = new BackupStore(await connect(t.config.database.url!));
    let fenced = false;
    const fencing = backup.holdBackupFence().then(() => (fenced = true));
    const waitingBackups = async () =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${SWEEPING.key} AND mode = 'ExclusiveLock' AND NOT granted`.execute(t.db)).rows[0]!.n);
    while ((await waitingBackups()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fenced, false, 'the backup waits while a sweep that began before it is running');
    // A sweep beginning now queues behind the backup, then finds its fence.
    const during = openSweep();
    inProgress.release();
    await inProgress.done;
    await fencing;
    assert.equal(await during.free, false);
    during.release();
    await during.done;
    const after = openSweep();
    assert.equal(await after.free, false);
    after.release();
    await after.done;
    await backup.releaseBackupFence();
    const free = openSweep();
    assert.equal(await free.free, true);
    free.release();
    await free.done;
  });
});

describe('a garbage collection run during a backup', () => {
  let image: Image;

  it('deletes no bytes the backup’s snapshot references until the backup ends', async () => {
    image = imageOf([await makeLayer(50_000, 'doomed')], { created: 'doomed' });
    await t.client.pushImage('bk/app', 'v1', image);
    // A run left pending at the backup: nothing will ever run it in the restored installation.
    const harbor = new HarborApi(t.url);
    assert.equal((await harbor.call('PUT', '/jobservice/queues/GARBAGE_COLLECTION', { body: { action: 'pause' } })).status, 200);
    assert.equal((await harbor.call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { dry_run: true } } })).status, 201);
    const service = new BackupService({ store: new BackupStore(await connect(t.config.database.url!)), storage: t.storage });
    let during: Awaited<ReturnType<TestApp['gc']['run']>> | undefined;
    const manifest = await service.run(dir, {
      afterSnapshot: async () => {
        assert.equal((await t.client.request('DELETE', `/v2/bk/app/manifests/${image.manifest.digest}`)).status, 202);
        during = await t.gc.run({ deleteUntagged: true, dryRun: false, workers: 1, timeWindowHours: 0, uploadMaxAgeMs: 3_600_000 });
      },
    });
    assert.ok(during!.blobsMarked >= 2, 'the layer and the config are marked');
    assert.equal(during!.blobsSwept, 0, 'but not swept while the backup copies');
    assert.equal(manifest.copied.blobs, 2);
    assert.equal(manifest.copied.bytes, image.layers[0]!.size + image.config.size);
    const layer = image.layers[0]!;
    assert.deepEqual(readFileSync(join(dir, 'blobs', 'sha256', layer.digest.slice(7, 9), layer.digest.slice(7))), layer.bytes);

    const next = await t.gc.run({ deleteUntagged: true, dryRun: false, workers: 1, timeWindowHours: 0, uploadMaxAgeMs: 3_600_000 });
    assert.equal(next.blobsSwept, 2, 'the next run, after the backup, deletes them');
    assert.equal((await t.client.request('HEAD', `/v2/bk/app/blobs/${layer.digest}`)).status, 404);
  });

  it('is restored whole: the artifact deleted after the snapshot is there with its bytes, read_only on', async () => {
    assert.deepEqual(await verifyBackup(dir), []);
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const storageRoot = mkdtempSync(join(tmpdir(), 'berth-restore-it-'));
    cleanups.push(() => rmSync(storageRoot, { recursive: true, force: true }));
    const storage = new FilesystemDriver({ rootDirectory: storageRoot });
    const db: Db = createDatabase(database.url, 4);
    cleanups.push(() => db.destroy());
    const settings = new SettingsService(db);
    await new RestoreService({ db, store: new BackupStore(await connect(database.url)), storage, settings, jobs: new JobsStore() }).run(dir);

    const artifact = await db.selectFrom('artifact').select(['digest']).where('digest', '=', image.manifest.digest).executeTakeFirst();
    assert.equal(artifact?.digest, image.manifest.digest);
    const layer = image.layers[0]!;
    const stored = await storage.getContent(`blobs/sha256/${layer.digest.slice(7, 9)}/${layer.digest.slice(7)}/data`);
    assert.equal(`sha256:${sha256(stored)}`, layer.digest);
    assert.equal((await settings.general()).read_only, true);
    assert.equal((await db.selectFrom('upload').select('id').execute()).length, 0);
    const tasks = await db.selectFrom('task').innerJoin('execution', 'execution.id', 'task.executionId').select(['task.status as task', 'execution.status as execution', 'task.statusMessage']).where('execution.vendorType', '=', 'GARBAGE_COLLECTION').execute();
    assert.deepEqual(tasks, [{ task: 'Error', execution: 'Error', statusMessage: 'interrupted: the installation was restored from a backup taken while this task was pending or running' }]);
  });

  it('refuses to restore into a database that is not empty, naming why', async () => {
    const storageRoot = mkdtempSync(join(tmpdir(), 'berth-restore-it-'));
    cleanups.push(() => rmSync(storageRoot, { recursive: true, force: true }));
    await assert.rejects(
      new RestoreService({ db: t.db, store: new BackupStore(await connect(t.config.database.url!)), storage: new FilesystemDriver({ rootDirectory: storageRoot }), settings: new SettingsService(t.db), jobs: new JobsStore() }).run(dir),
      /^BackupError: the database is not empty \(\d+ tables\): restore needs a database nothing was installed in$/,
    );
  });
});
