import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { parseDigest } from '../../src/oci/digest.ts';
import { S3Driver } from '../../src/storage/drivers/s3.driver.ts';
import { blobPath, uploadSegmentPath } from '../../src/storage/paths.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { makeImage, makeIndex, sha256, type Image } from '../fixtures/image-builder.ts';
import { checkInvariants, describeViolations, type InvariantOptions, type ViolationKind } from '../fixtures/invariants.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';

/**
 * The invariant checker garbage collection will be proven with: on a Berth that clients pushed to,
 * it finds nothing; each deliberate corruption of database or storage is reported, exactly once and
 * as what it is. Run on both storage drivers, as GC must be.
 */
const REPO = 'inv/app';

function pathOf(digest: string): string {
  return blobPath(parseDigest(digest)!);
}

function drivers(): { name: string; start: () => Promise<{ berth: TestApp; stop: () => Promise<void> }> }[] {
  return [
    {
      name: 'filesystem',
      start: async () => {
        const berth = await startTestApp();
        return { berth, stop: () => berth.close() };
      },
    },
    {
      name: 's3',
      start: async () => {
        const s3: S3Server = await startS3Server();
        const storage = new S3Driver({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
        const berth = await startTestApp({}, { storage });
        return {
          berth,
          stop: async () => {
            await berth.close();
            await s3.stop();
          },
        };
      },
    },
  ];
}

for (const driver of drivers()) {
  describe(`invariant checker on a pushed Berth (${driver.name} storage)`, () => {
    let berth: TestApp;
    let stop: () => Promise<void>;
    let image: Image;
    let child: Image;

    const check = (options: InvariantOptions = { afterSweep: true }) => checkInvariants(berth.db, berth.storage, options);
    const reported = async (options?: InvariantOptions) => (await check(options)).map((v) => `${v.kind} ${v.subject}`);
    const expect = (kind: ViolationKind, subject: string) => [`${kind} ${subject}`];

    before(async () => {
      ({ berth, stop } = await driver.start());
      await berth.client.createProject('inv');
      image = await makeImage();
      child = await makeImage({ layerSizes: [700] });
      await berth.client.pushImage(REPO, 'v1', image);
      await berth.client.pushImage(REPO, child.manifest.digest, child);
      assert.equal((await berth.client.pushManifest(REPO, 'multi', makeIndex([{ image: child, architecture: 'amd64' }]))).status, 201);
    });

    after(async () => {
      await stop?.();
    });

    it('finds nothing wrong after clients pushed images and an index', async () => {
      const violations = await check();
      assert.deepEqual(violations, [], describeViolations(violations));
    });

    it('reports a live blob whose bytes were deleted from storage, naming where they should be', async () => {
      const layer = image.layers[0]!;
      await berth.storage.delete(pathOf(layer.digest));
      const violations = await check();
      assert.deepEqual(
        violations.map((v) => ({ ...v })),
        [{ kind: 'live-blob-without-bytes', subject: layer.digest, detail: `live row of ${layer.size} bytes, nothing at ${pathOf(layer.digest)}` }],
      );
      await berth.storage.putContent(pathOf(layer.digest), layer.bytes);
      assert.deepEqual(await reported(), []);
    });

    it('reports a live blob row inserted without bytes', async () => {
      const digest = sha256(randomBytes(16));
      await berth.db.insertInto('blob').values({ digest, size: 16, state: 'live' }).execute();
      assert.deepEqual(await reported(), expect('live-blob-without-bytes', digest));
      await berth.db.deleteFrom('blob').where('digest', '=', digest).execute();
    });

    it('reports stray bytes at a content address only once a sweep should have removed them', async () => {
      const bytes = randomBytes(32);
      const digest = sha256(bytes);
      await berth.storage.putContent(pathOf(digest), bytes);
      assert.deepEqual(await reported({ afterSweep: false }), [], 'before a sweep, crash leftovers are expected');
      assert.deepEqual(await reported({ afterSweep: true }), expect('bytes-without-row', digest));
      await berth.storage.delete(pathOf(digest));
    });

    it('reports a blob whose stored size differs from its row', async () => {
      const config = image.config;
      await berth.storage.putContent(pathOf(config.digest), Buffer.concat([config.bytes, Buffer.from('x')]));
      assert.deepEqual(await reported(), expect('blob-size-mismatch', config.digest));
      await berth.storage.putContent(pathOf(config.digest), config.bytes);
    });

    it('reports an artifact whose blob is marked deleting', async () => {
      const layer = image.layers[1]!;
      await berth.db.updateTable('blob').set({ state: 'deleting' }).where('digest', '=', layer.digest).execute();
      assert.deepEqual(await reported(), expect('artifact-blob-not-live', layer.digest));
      await berth.db.updateTable('blob').set({ state: 'live' }).where('digest', '=', layer.digest).execute();
    });

    it('reports an artifact whose blob its repository lost the link to (its pull would fail)', async () => {
      const layer = child.layers[0]!;
      const link = await berth.db.deleteFrom('repositoryBlob').where('digest', '=', layer.digest).returningAll().executeTakeFirstOrThrow();
      assert.deepEqual(await reported(), expect('artifact-blob-not-linked', layer.digest));
      await berth.db.insertInto('repositoryBlob').values({ repositoryId: link.repositoryId, digest: link.digest }).execute();
    });

    it('reports a manifest naming a layer the artifact has no artifact_blob row for', async () => {
      const layer = image.layers[0]!;
      const row = await berth.db.deleteFrom('artifactBlob').where('digest', '=', layer.digest).returningAll().executeTakeFirstOrThrow();
      assert.deepEqual(await reported(), expect('manifest-blob-not-recorded', layer.digest));
      await berth.db.insertInto('artifactBlob').values(row).execute();
    });

    it('reports an index whose child reference row is gone', async () => {
      const row = await berth.db.deleteFrom('artifactReference').returningAll().executeTakeFirstOrThrow();
      assert.deepEqual(await reported(), expect('index-child-missing', child.manifest.digest));
      await berth.db.insertInto('artifactReference').values(row).execute();
    });

    // Foreign keys rule these out today; the checker still looks, since GC's migration reworks these tables.
    it('reports rows that name a blob without a row, with foreign keys bypassed', async () => {
      const digest = sha256(randomBytes(16));
      const artifact = await berth.db.selectFrom('artifact').select(['id', 'repositoryId']).where('digest', '=', image.manifest.digest).executeTakeFirstOrThrow();
      await berth.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        await trx.insertInto('repositoryBlob').values({ repositoryId: artifact.repositoryId, digest }).execute();
        await trx.insertInto('artifactBlob').values({ artifactId: artifact.id, digest }).execute();
      });
      assert.deepEqual(await reported(), [`artifact-blob-without-row ${digest}`, `link-without-blob ${digest}`]);
      await berth.db.deleteFrom('artifactBlob').where('digest', '=', digest).execute();
      await berth.db.deleteFrom('repositoryBlob').where('digest', '=', digest).execute();
    });

    it('reports an upload area without an upload row once older than the grace window', async () => {
      const id = randomUUID();
      const segment = uploadSegmentPath(id, `000000-${randomBytes(8).toString('hex')}`);
      await berth.storage.putContent(segment, randomBytes(64));
      assert.deepEqual(await reported({ afterSweep: true, graceMs: 60 * 60_000 }), [], 'an upload written within the window is in progress');
      assert.deepEqual(await reported({ afterSweep: true, graceMs: 0 }), expect('upload-without-row', id));
      await berth.storage.delete(`uploads/${id}`);
      assert.deepEqual(await reported(), []);
    });
  });
}
