import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GcOptions } from '../../src/gc/gc.service.ts';
import { S3Driver } from '../../src/storage/drivers/s3.driver.ts';
import type { StorageDriver } from '../../src/storage/storage-driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { checkInvariants, describeViolations } from '../fixtures/invariants.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';
import { runStress } from '../fixtures/stress.ts';

/**
 * Garbage collection online: clients push images on shared layers and indexes, pull and delete while
 * collections with delete_untagged and a zero time window run back to back. No pull of a committed,
 * undeleted artifact may fail; afterwards database and storage agree, nothing is left that a final
 * collection would not also have found, and quota usage equals a recount. On both storage drivers.
 * (The long version is in the bench: BENCH_GC_STRESS_SECONDS.)
 */
const OPTIONS: GcOptions = { deleteUntagged: true, dryRun: false, workers: 3, timeWindowHours: 0, uploadMaxAgeMs: 7 * 24 * 3600 * 1000 };

const drivers: { name: string; seconds: number; storage?: () => Promise<{ driver: StorageDriver; stop: () => Promise<void> }> }[] = [
  { name: 'filesystem', seconds: 30 },
  {
    name: 's3',
    // Collections yield to the clients (a tenth of their pace): 30 s leaves room for several also on S3.
    seconds: 30,
    storage: async () => {
      const s3: S3Server = await startS3Server();
      const driver = new S3Driver({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
      return { driver, stop: () => s3.stop() };
    },
  },
];

for (const { name, seconds, storage } of drivers) {
  describe(`garbage collection under load (${name} storage)`, () => {
    let berth: TestApp;
    let stopStorage: (() => Promise<void>) | undefined;

    before(async () => {
      const external = await storage?.();
      stopStorage = external?.stop;
      berth = await startTestApp({}, { ...(external && { storage: external.driver }) });
      await berth.client.createProject('load');
    });

    after(async () => {
      await berth?.close();
      await stopStorage?.();
    });

    it('loses no pull of a committed artifact while collections run back to back, and leaves every invariant holding', async (t) => {
      let collected = 0;
      let freed = 0;
      const result = await runStress({
        url: berth.url,
        repositories: ['load/a', 'load/b'],
        clients: 4,
        durationMs: seconds * 1000,
        meanwhile: async () => {
          const run = await berth.gc.run(OPTIONS);
          if (run.failures > 0) throw new Error(`${run.failures} blobs could not be deleted`);
          collected += run.blobsSwept;
          freed += run.bytesFreed;
        },
      });
      t.diagnostic(JSON.stringify({ ...result, collected, freed }));
      assert.deepEqual(result.failedPulls, []);
      assert.deepEqual(result.errors, []);
      // With a zero window a layer uploaded before a run began and not yet referenced when it marks is garbage:
      // the push is refused (MANIFEST_BLOB_UNKNOWN) and the client pushes again — safe, and frequent (pushesRetried);
      // under load a run can start between the second upload and its PUT too (pushesRefused). A time window is what
      // protects pushes in progress; what must hold at zero is that nothing committed is lost, and pushes go on.
      // (On a loaded machine with S3, back-to-back runs leave few pushes through: 5 in 20 s in CI; what is checked is
      // that work went on beside the collections, not how much.)
      assert.ok(result.pushes > 0 && result.pulls > 0 && result.meanwhileRuns > 1 && collected > 0, JSON.stringify({ ...result, collected }));
      // Everything at rest: one more collection, then storage holds nothing the database does not know.
      await berth.gc.run(OPTIONS);
      const violations = await checkInvariants(berth.db, berth.storage, { afterSweep: true });
      assert.deepEqual(violations, [], describeViolations(violations));
      assert.deepEqual(await berth.quotas.usageDrift(), []);
    });
  });
}
