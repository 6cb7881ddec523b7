import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { ContentStore } from '../../src/content/content.store.ts';
import type { GcDeletion, GcOptions, GcProgress } from '../../src/gc/gc.service.ts';
import { parseDigest } from '../../src/oci/digest.ts';
import { S3Driver } from '../../src/storage/drivers/s3.driver.ts';
import { blobPath } from '../../src/storage/paths.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { blobOf, descriptor, imageOf, makeIndex, makeLayer, OCI_CONFIG, OCI_MANIFEST, type Blob, type Image } from '../fixtures/image-builder.ts';
import { checkInvariants, describeViolations, storedBlobDigests } from '../fixtures/invariants.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * Garbage collection on the real app: what goes and what stays, quota usage after the run, dry runs,
 * the time window, and the two pushes that race it (an upload reviving a marked blob, a manifest PUT
 * naming one).
 */
const OPTIONS: GcOptions = { deleteUntagged: false, dryRun: false, workers: 2, timeWindowHours: 0, uploadMaxAgeMs: 7 * 24 * 3600 * 1000 };

async function collect(berth: TestApp, options: Partial<GcOptions> = {}): Promise<{ deleted: GcDeletion[]; progress: GcProgress }> {
  const deleted: GcDeletion[] = [];
  const progress = await berth.gc.run({ ...OPTIONS, ...options }, { onDeleted: (d) => deleted.push(d) });
  return { deleted, progress };
}

const blobsOf = (deleted: GcDeletion[]) => deleted.flatMap((d) => (d.kind === 'blob' ? [d.digest] : [])).sort();
const artifactsOf = (deleted: GcDeletion[]) => deleted.flatMap((d) => (d.kind === 'artifact' ? [`${d.repository}@${d.digest}`] : [])).sort();
const contentOf = (image: Image) => [image.config, ...image.layers].map((b) => b.digest);

/** An accessory (e.g. a signature): an artifact whose manifest names `subject`. */
function accessoryOf(subject: Blob): { config: Blob; layer: Blob; manifest: Blob } {
  const config = blobOf(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const layer = blobOf(randomBytes(64), 'application/vnd.dev.cosign.simplesigning.v1+json');
  const manifest = blobOf(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', config: descriptor(config), layers: [descriptor(layer)], subject: descriptor(subject) })),
    OCI_MANIFEST,
  );
  return { config, layer, manifest };
}

describe('garbage collection', () => {
  let berth: TestApp;

  before(async () => {
    berth = await startTestApp();
    await berth.client.createProject('gc');
  });

  after(async () => {
    await berth?.close();
  });

  const stored = async () => new Set(await storedBlobDigests(berth.storage));
  const state = async (digest: string) => (await berth.db.selectFrom('blob').select('state').where('digest', '=', digest).executeTakeFirst())?.state;
  const assertClean = async () => {
    const violations = await checkInvariants(berth.db, berth.storage, { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.deepEqual(await berth.quotas.usageDrift(), [], 'quota usage equals a recount');
  };
  const pull = async (repository: string, image: Image, reference = image.manifest.digest) => {
    const statuses = [(await berth.client.request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept: OCI_MANIFEST } })).status];
    for (const digest of contentOf(image)) statuses.push((await berth.client.request('GET', `/v2/${repository}/blobs/${digest}`)).status);
    return statuses;
  };

  /** A collection run while another transaction holds the locks `lock` takes (as a push in progress would). */
  const whileHolding = async (lock: (trx: Transaction<Database>) => Promise<void>) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = berth.db.transaction().execute(async (trx) => {
      await lock(trx);
      locked();
      await released;
    });
    await isLocked;
    try {
      return await collect(berth);
    } finally {
      release();
      await holder;
    }
  };

  it("a deleted image's own blobs go, layers another image shares stay, and every remaining pull works", async () => {
    const base = await makeLayer(3000, 'base');
    const keep = imageOf([base, await makeLayer(700, 'keep')], { created: 'keep' });
    const gone = imageOf([base, await makeLayer(800, 'gone')], { created: 'gone' });
    await berth.client.pushImage('gc/shared', 'keep', keep);
    await berth.client.pushImage('gc/shared', 'gone', gone);
    assert.equal((await berth.client.request('DELETE', `/v2/gc/shared/manifests/${gone.manifest.digest}`)).status, 202);

    const { deleted, progress } = await collect(berth);

    assert.deepEqual(blobsOf(deleted), [gone.config.digest, gone.layers[1]!.digest].sort());
    assert.equal(progress.bytesFreed, gone.config.size + gone.layers[1]!.size);
    const left = await stored();
    for (const digest of contentOf(keep)) assert.ok(left.has(digest), `kept ${digest}`);
    for (const digest of blobsOf(deleted)) assert.ok(!left.has(digest), `deleted ${digest}`);
    assert.deepEqual(await pull('gc/shared', keep, 'keep'), [200, 200, 200, 200]);
    await assertClean();
  });

  it('untagged artifacts go only with delete_untagged; a tagged index keeps its children, a present subject its accessories', async () => {
    const untagged = imageOf([await makeLayer(900, 'untagged')], { created: 'untagged' });
    const child = imageOf([await makeLayer(910, 'child')], { created: 'child' });
    const index = makeIndex([{ image: child, architecture: 'amd64' }]);
    const signed = imageOf([await makeLayer(920, 'signed')], { created: 'signed' });
    const signature = accessoryOf(signed.manifest);
    const orphanSubject = imageOf([await makeLayer(930, 'orphan-subject')], { created: 'orphan-subject' });
    const orphanSignature = accessoryOf(orphanSubject.manifest);
    await berth.client.pushImage('gc/untagged', untagged.manifest.digest, untagged);
    await berth.client.pushImage('gc/untagged', child.manifest.digest, child);
    assert.equal((await berth.client.pushManifest('gc/untagged', 'multi', index)).status, 201);
    await berth.client.pushImage('gc/untagged', 'signed', signed);
    await berth.client.pushImage('gc/untagged', 'orphan', orphanSubject);
    for (const accessory of [signature, orphanSignature]) {
      for (const blob of [accessory.config, accessory.layer]) await berth.client.pushBlob('gc/untagged', blob);
      assert.equal((await berth.client.pushManifest('gc/untagged', accessory.manifest.digest, accessory.manifest)).status, 201);
    }
    // The orphan signature's subject goes (by tag, then its manifest): the signature no longer has anything to sign.
    assert.equal((await berth.client.request('DELETE', `/v2/gc/untagged/manifests/${orphanSubject.manifest.digest}`)).status, 202);

    const without = await collect(berth);
    assert.deepEqual(artifactsOf(without.deleted), [], 'nothing untagged goes without delete_untagged');
    assert.deepEqual(blobsOf(without.deleted), contentOf(orphanSubject).sort(), 'only the deleted subject’s own blobs');

    const withUntagged = await collect(berth, { deleteUntagged: true });
    assert.deepEqual(artifactsOf(withUntagged.deleted), [`gc/untagged@${untagged.manifest.digest}`, `gc/untagged@${orphanSignature.manifest.digest}`].sort());
    // The orphan signature's config is the empty JSON object, which the present signature shares: only its layer goes.
    assert.deepEqual(blobsOf(withUntagged.deleted), [...contentOf(untagged), orphanSignature.layer.digest].sort());
    assert.deepEqual(await pull('gc/untagged', child), [200, 200, 200], 'the index child stays');
    assert.equal((await berth.client.request('GET', `/v2/gc/untagged/manifests/${signature.manifest.digest}`, { headers: { accept: OCI_MANIFEST } })).status, 200, 'the signature of a present subject stays');
    assert.equal((await berth.client.request('GET', `/v2/gc/untagged/blobs/${signature.layer.digest}`)).status, 200);
    await assertClean();

    // Once the index goes, its child is untagged and unreferenced: the next run takes it.
    assert.equal((await berth.client.request('DELETE', `/v2/gc/untagged/manifests/${index.digest}`)).status, 202);
    const afterIndex = await collect(berth, { deleteUntagged: true });
    assert.deepEqual(artifactsOf(afterIndex.deleted), [`gc/untagged@${child.manifest.digest}`]);
    assert.deepEqual(blobsOf(afterIndex.deleted), contentOf(child).sort());
    await assertClean();
  });

  it('a dry run reports exactly what the real run that follows deletes, and deletes nothing', async () => {
    const a = imageOf([await makeLayer(1000, 'dry-a'), await makeLayer(1001, 'dry-shared')], { created: 'dry-a' });
    const child = imageOf([await makeLayer(1002, 'dry-child')], { created: 'dry-child' });
    const index = makeIndex([{ image: child, architecture: 'arm64' }]);
    await berth.client.pushImage('gc/dry', a.manifest.digest, a);
    await berth.client.pushImage('gc/dry', child.manifest.digest, child);
    assert.equal((await berth.client.pushManifest('gc/dry', index.digest, index)).status, 201);
    await berth.client.pushImage('gc/dry-other', 'kept', a);
    await berth.client.pushBlob('gc/dry', (await makeLayer(1003, 'dry-abandoned')).layer);

    const before = await stored();
    const dry = await collect(berth, { deleteUntagged: true, dryRun: true });
    assert.deepEqual(await stored(), before, 'a dry run deletes no bytes');
    const real = await collect(berth, { deleteUntagged: true });
    const described = (deleted: GcDeletion[]) => deleted.map((d) => JSON.stringify(d)).sort();
    assert.deepEqual(described(dry.deleted), described(real.deleted));
    assert.deepEqual({ ...dry.progress }, { ...real.progress });
    // The untagged index and then its child; the child's blob and the abandoned upload; gc/dry's links to a's blobs (kept by gc/dry-other).
    assert.equal(real.progress.artifactsDeleted, 3);
    assert.equal(real.progress.blobsSwept, 3);
    assert.equal(real.progress.linksDeleted, 3);
    await assertClean();
  });

  it('time_window keeps blobs touched within it', async () => {
    const layer = (await makeLayer(1100, 'recent')).layer;
    await berth.client.pushBlob('gc/window', layer);
    const kept = await collect(berth, { timeWindowHours: 2 });
    assert.ok(!blobsOf(kept.deleted).includes(layer.digest));
    assert.equal(await state(layer.digest), 'live');
    const gone = await collect(berth, { timeWindowHours: 0 });
    assert.ok(blobsOf(gone.deleted).includes(layer.digest));
    assert.equal(await state(layer.digest), undefined);
  });

  it('an upload of a blob marked for deletion revives it, and the sweep then keeps its bytes', async () => {
    const layer = (await makeLayer(1200, 'revived')).layer;
    await berth.client.pushBlob('gc/race', layer);
    await sql`UPDATE blob SET state = 'deleting' WHERE digest = ${layer.digest}`.execute(berth.db);
    const image = imageOf([{ layer, diffId: layer.digest }], { created: 'revived' });
    assert.equal((await berth.client.pushManifest('gc/race', 'x', image.manifest)).status, 400, 'a manifest PUT never accepts a blob marked for deletion');
    await berth.client.pushBlob('gc/race', layer);
    assert.equal(await state(layer.digest), 'live');
    await berth.client.pushImage('gc/race', 'x', image);
    const { deleted } = await collect(berth);
    assert.ok(!blobsOf(deleted).includes(layer.digest));
    assert.deepEqual(await pull('gc/race', image, 'x'), [200, 200, 200]);
    await assertClean();
  });

  it('a manifest PUT naming a blob marked for deletion is refused with MANIFEST_BLOB_UNKNOWN', async () => {
    const image = imageOf([await makeLayer(1300, 'marked')], { created: 'marked' });
    for (const blob of [image.config, ...image.layers]) await berth.client.pushBlob('gc/race', blob);
    await sql`UPDATE blob SET state = 'deleting' WHERE digest = ${image.layers[0]!.digest}`.execute(berth.db);
    const response = await berth.client.request('PUT', '/v2/gc/race/manifests/marked', { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { errors: { code: string }[] }).errors[0]!.code, 'MANIFEST_BLOB_UNKNOWN');
    const { deleted } = await collect(berth);
    assert.ok(blobsOf(deleted).includes(image.layers[0]!.digest), 'the next run sweeps the marked blob first');
    await assertClean();
  });

  it('a blob a push holds FOR SHARE is skipped, not waited for', async () => {
    const layer = (await makeLayer(1400, 'held')).layer;
    await berth.client.pushBlob('gc/held', layer);
    const { deleted } = await whileHolding(async (trx) => {
      await sql`SELECT 1 FROM blob WHERE digest = ${layer.digest} FOR SHARE`.execute(trx);
    });
    assert.ok(!blobsOf(deleted).includes(layer.digest));
    assert.equal(await state(layer.digest), 'live');
  });

  it('a link a manifest PUT in progress has locked stays, so the artifact it commits is pullable', async () => {
    const image = imageOf([await makeLayer(1450, 'linked')], { created: 'linked' });
    await berth.client.pushImage('gc/link-a', 'a', image);
    // gc/link-b holds links to blobs gc/link-a references: candidates, unless a push in gc/link-b is using them.
    await berth.client.pushImage('gc/link-b', image.manifest.digest, image);
    assert.equal((await berth.client.request('DELETE', `/v2/gc/link-b/manifests/${image.manifest.digest}`)).status, 202);
    const repositoryId = (await berth.db.selectFrom('repository').select('id').where('name', '=', 'gc/link-b').executeTakeFirstOrThrow()).id;
    // The statement a manifest PUT (and a mount) locks its blobs with.
    const { deleted } = await whileHolding(async (trx) => {
      assert.equal((await new ContentStore().lockLinkedBlobsForShare(trx, repositoryId, contentOf(image))).size, 2);
    });
    assert.deepEqual(deleted.filter((d) => d.kind === 'link'), [], 'no link the push holds is deleted');
    assert.equal((await berth.client.pushManifest('gc/link-b', 'b', image.manifest)).status, 201);
    assert.deepEqual(await pull('gc/link-b', image, 'b'), [200, 200, 200]);
    await assertClean();
  });

  it('a manifest PUT that waited on the mark of one of its blobs is refused with MANIFEST_BLOB_UNKNOWN while the sweep takes it: no deadlock, no 500', async () => {
    const image = imageOf([await makeLayer(1460, 'order-a'), await makeLayer(1470, 'order-b')], { created: 'order' });
    for (const blob of [image.config, ...image.layers]) await berth.client.pushBlob('gc/order', blob);
    // The PUT locks its blobs in digest order: the one marked is the highest, so the PUT holds the others when it waits on it.
    const marked = contentOf(image).sort().at(-1)!;
    const store = new ContentStore();
    const cutoff = (await store.clockMinusHours(berth.db, 0)).text;
    // The mark's statements on that blob, its transaction held open: the PUT's lock statement waits on it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const mark = berth.db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM blob WHERE digest = ${marked} FOR UPDATE`.execute(trx);
      assert.deepEqual((await store.markUnreferencedBlobs(trx, [marked], cutoff)).map((b) => b.digest), [marked]);
      await released;
    });
    const waiting = async () => (await sql<{ n: string }>`SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')`.execute(berth.db)).rows[0]!.n !== '0';
    const put = berth.client.request('PUT', '/v2/gc/order/manifests/order', { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } });
    await waitUntil(waiting, 'the manifest PUT waits on the marked blob');
    release();
    await mark;
    // The sweep of the marked blob (a run's first step) while the PUT finishes.
    const [response, { deleted }] = await Promise.all([put, collect(berth)]);
    assert.equal(response.status, 400);
    assert.deepEqual(((await response.json()) as { errors: { code: string }[] }).errors.map((e) => e.code), ['MANIFEST_BLOB_UNKNOWN']);
    assert.ok(blobsOf(deleted).includes(marked), 'the sweep took the marked blob');
    await assertClean();
  });

  it('bytes no row knows (a push killed before its commit) and a killed run’s marked rows are collected', async () => {
    const orphan = blobOf(randomBytes(500), OCI_CONFIG);
    await berth.storage.putContent(blobPath(parseDigest(orphan.digest)!), orphan.bytes);
    const marked = (await makeLayer(1500, 'left-marked')).layer;
    await berth.client.pushBlob('gc/crash', marked);
    await sql`UPDATE blob SET state = 'deleting' WHERE digest = ${marked.digest}`.execute(berth.db);
    const { deleted, progress } = await collect(berth);
    assert.ok(deleted.some((d) => d.kind === 'unknown-bytes' && d.digest === orphan.digest && d.size === 500));
    assert.ok(blobsOf(deleted).includes(marked.digest));
    assert.ok(progress.bytesFreed >= 500 + marked.size);
    await assertClean();
  });
});

/**
 * An HTTP proxy in front of the test S3 server that can answer every delete (DeleteObject, and
 * DeleteObjects: POST ?delete) with S3's 500 InternalError, as a failing object store does.
 */
async function faultyS3(target: string): Promise<{ endpoint: string; failDeletes: boolean; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { failDeletes: false };
  const server = createServer((request, response) => {
    const isDelete = request.method === 'DELETE' || (request.method === 'POST' && new URL(request.url!, 'http://x').searchParams.has('delete'));
    if (state.failDeletes && isDelete) {
      request.resume();
      response.writeHead(500, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>');
      return;
    }
    const forwarded = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', (error) => response.destroy(error));
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get failDeletes() {
      return state.failDeletes;
    },
    set failDeletes(value: boolean) {
      state.failDeletes = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('garbage collection on S3 storage', () => {
  let s3: S3Server;
  let proxy: Awaited<ReturnType<typeof faultyS3>>;
  let berth: TestApp;

  before(async () => {
    s3 = await startS3Server();
    proxy = await faultyS3(s3.endpoint);
    const storage = new S3Driver({ bucket: s3.bucket, region: s3.region, endpoint: proxy.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true });
    berth = await startTestApp({}, { storage });
    await berth.client.createProject('s3gc');
  });

  after(async () => {
    await berth?.close();
    await proxy?.close();
    await s3?.stop();
  });

  it('a blob whose bytes the object store fails to delete stays marked, and the next run deletes it', async () => {
    const keep = imageOf([await makeLayer(600, 's3-keep')], { created: 's3-keep' });
    const gone = imageOf([await makeLayer(601, 's3-gone')], { created: 's3-gone' });
    await berth.client.pushImage('s3gc/app', 'keep', keep);
    await berth.client.pushImage('s3gc/app', 'gone', gone);
    assert.equal((await berth.client.request('DELETE', `/v2/s3gc/app/manifests/${gone.manifest.digest}`)).status, 202);
    const state = async (digest: string) => (await berth.db.selectFrom('blob').select('state').where('digest', '=', digest).executeTakeFirst())?.state;

    proxy.failDeletes = true;
    const lines: string[] = [];
    const failed = await berth.gc.run(OPTIONS, { log: (line) => lines.push(line) });
    assert.equal(failed.failures, 2);
    assert.equal(failed.blobsSwept, 0);
    for (const digest of contentOf(gone)) {
      assert.equal(await state(digest), 'deleting');
      assert.ok(lines.some((line) => line.startsWith(`could not delete the bytes of ${digest}, left for the next run`)), lines.join('\n'));
    }
    assert.equal((await berth.client.request('GET', `/v2/s3gc/app/blobs/${gone.layers[0]!.digest}`)).status, 404, 'a marked blob is not served');

    proxy.failDeletes = false;
    const deleted: GcDeletion[] = [];
    const retried = await berth.gc.run(OPTIONS, { onDeleted: (d) => deleted.push(d) });
    assert.equal(retried.failures, 0);
    assert.deepEqual(blobsOf(deleted), contentOf(gone).sort());
    for (const digest of contentOf(gone)) assert.equal(await state(digest), undefined);
    const stored = new Set(await storedBlobDigests(berth.storage));
    for (const digest of contentOf(gone)) assert.ok(!stored.has(digest));
    for (const digest of contentOf(keep)) assert.ok(stored.has(digest));
    const violations = await checkInvariants(berth.db, berth.storage, { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
  });
});
