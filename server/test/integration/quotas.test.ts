import { AsyncResource } from 'node:async_hooks';
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { blobOf, descriptor, makeImage, makeIndex, makeLayer, OCI_CONFIG, OCI_MANIFEST, type Blob, type Image } from '../fixtures/image-builder.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { formatBytes } from '../../src/quotas/quota-exceeded.ts';
import { QuotaLedger } from '../../src/content/quota-ledger.ts';
import { QuotaUsageStore } from '../../src/content/quota-usage.store.ts';

let t: TestApp;
let harbor: HarborApi;
const alice = basic('alice', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createUser('alice');
});
after(async () => t.close());
// The consistency check: after every scenario, each project's recorded usage equals a recount from scratch.
afterEach(async () => assert.deepEqual(await t.quotas.usageDrift(), []));

/** An image made of the given layers (shared ones included) and a config of its own. */
function imageOf(layers: Blob[]): Image {
  const config = blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') })), OCI_CONFIG);
  const manifest = blobOf(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(config), layers: layers.map((layer) => descriptor(layer)) })), OCI_MANIFEST);
  return { config, layers, manifest };
}

async function layer(size: number): Promise<Blob> {
  return (await makeLayer(size)).layer;
}

/** What a set of images adds to a project: every digest once. */
function bytesOf(...images: Image[]): number {
  const sizes = new Map<string, number>();
  for (const image of images) for (const blob of [image.manifest, image.config, ...image.layers]) sizes.set(blob.digest, blob.size);
  return [...sizes.values()].reduce((sum, size) => sum + size, 0);
}

async function createProject(name: string, body: Record<string, unknown> = {}, auth?: string): Promise<number> {
  const created = await harbor.call('POST', '/projects', { ...(auth && { auth }), body: { project_name: name, ...body } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return Number(created.headers.get('location')!.split('/').pop());
}

/** The project's quota as GET /quotas shows it to an administrator. */
async function quotaOf(projectId: number): Promise<{ id: number; hard: number; used: number }> {
  const listed = await harbor.call('GET', `/quotas?reference=project&reference_id=${projectId}`);
  assert.equal(listed.status, 200);
  assert.equal(listed.body.length, 1);
  const [quota] = listed.body;
  return { id: quota.id, hard: quota.hard.storage, used: quota.used.storage };
}

async function usedOf(projectId: number): Promise<number> {
  return (await quotaOf(projectId)).used;
}

async function setHard(projectId: number, storage: number): Promise<void> {
  const { id } = await quotaOf(projectId);
  const updated = await harbor.call('PUT', `/quotas/${id}`, { body: { hard: { storage } } });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json()) as { errors: { code: string; message: string }[] };
  return body.errors[0]!;
}

function quotaMessage(adding: number, used: number, hard: number): string {
  return `adding ${formatBytes(adding)} of storage resource, which when updated to current usage of ${formatBytes(used)} will exceed the configured upper limit of ${formatBytes(hard)}.`;
}

/**
 * Runs `during` inside a transaction that holds the ledger's locks for
 * `digests` in `repository`, as a push (optimistic) or a delete would.
 */
async function holdingLedgerLocks(repository: string, digests: string[], optimistic: boolean, during: () => Promise<void>): Promise<void> {
  const ledger = new QuotaLedger(t.db, new QuotaUsageStore(), t.settings);
  const { id } = await t.db.selectFrom('repository').select('id').where('name', '=', repository).executeTakeFirstOrThrow();
  // `during` plays other clients, not code of this transaction: it runs in the context from before it, where
  // taking another pool connection is allowed (inside the transaction that is refused: NestedConnectionError).
  const otherClients = new AsyncResource('other-clients');
  await t.db.transaction().execute(async (trx) => {
    await ledger.open(trx, id, digests, { optimistic });
    await otherClients.runInAsyncScope(during);
  });
}

/** Waits until `count` requests for advisory locks in this test's database are queued. */
async function untilWaiting(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(t.db);
    if (Number(rows[0]!.n) >= count) return;
    await sleep(20);
  }
  assert.fail(`fewer than ${count} lock requests ever waited`);
}

async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return await Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);
}

async function pushBlobs(repository: string, blobs: Blob[]): Promise<void> {
  for (const blob of blobs) await t.client.pushBlob(repository, blob);
}

describe('project quotas', () => {
  it("gives new projects storage_per_project, honours a system administrator's storage_limit only, and shows the quota in the summary", async () => {
    await t.settings.update({ storage_per_project: 50_000 });
    try {
      const byAdmin = await createProject('limits-admin', { storage_limit: 7_000 });
      const byAdminDefault = await createProject('limits-admin-zero', { storage_limit: 0 });
      const byAlice = await createProject('limits-alice', { storage_limit: 7_000 }, alice);
      assert.equal((await quotaOf(byAdmin)).hard, 7_000);
      assert.equal((await quotaOf(byAdminDefault)).hard, 50_000);
      assert.equal((await quotaOf(byAlice)).hard, 50_000, "a user's own storage_limit is ignored, as in Harbor");
      const summary = await harbor.call('GET', `/projects/${byAlice}/summary`, { auth: alice });
      assert.equal(summary.status, 200);
      assert.deepEqual(summary.body.quota, { hard: { storage: 50_000 }, used: { storage: 0 } });
    } finally {
      await t.settings.update({ storage_per_project: -1 });
    }
    const unlimited = await createProject('limits-default');
    assert.equal((await quotaOf(unlimited)).hard, -1);
    assert.equal((await harbor.call('POST', '/projects', { body: { project_name: 'limits-bad', storage_limit: -2 } })).status, 400);
  });

  it('counts every manifest, config and layer once per project: a layer shared by two repositories once, in two projects in each', async () => {
    const shared = await createProject('shared');
    const other = await createProject('shared-other');
    const [l1, l2, l3] = await Promise.all([layer(4096), layer(2048), layer(1024)]);
    const a = imageOf([l1!, l2!]);
    const b = imageOf([l1!, l3!]);
    await t.client.pushImage('shared/one', 'v1', a);
    assert.equal(await usedOf(shared), bytesOf(a));
    await t.client.pushImage('shared/two', 'v1', b);
    assert.equal(await usedOf(shared), bytesOf(a, b), 'the common layer counts once');
    assert.ok(bytesOf(a, b) < bytesOf(a) + bytesOf(b));
    await t.client.pushImage('shared/two', 'also-a', a);
    assert.equal(await usedOf(shared), bytesOf(a, b), 'the same manifest in a second repository adds nothing');
    await t.client.pushImage('shared-other/one', 'v1', a);
    assert.equal(await usedOf(other), bytesOf(a), 'another project counts the layer again');
    const summary = await harbor.call('GET', '/projects/shared/summary', { headers: { 'X-Is-Resource-Name': 'true' } });
    assert.deepEqual(summary.body.quota, { hard: { storage: -1 }, used: { storage: bytesOf(a, b) } });
  });

  it('refuses blob upload completion and manifest push beyond the limit with 403 DENIED and Harbor\'s message; nothing becomes visible and usage stays', async () => {
    const id = await createProject('tight', { storage_limit: 40_000 });
    const first = await makeImage({ layerSizes: [8 * 1024] });
    await t.client.pushImage('tight/app', 'v1', first);
    const used = bytesOf(first);
    assert.equal(await usedOf(id), used);

    // A layer that alone cannot fit: refused when its upload completes, chunked or monolithic.
    const big = await layer(48 * 1024);
    const start = await t.client.request('POST', '/v2/tight/app/blobs/uploads/');
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    await (await t.client.request('PATCH', location, { body: big.bytes, headers: { 'content-type': 'application/octet-stream' } })).arrayBuffer();
    const completed = await t.client.request('PUT', `${location}?digest=${big.digest}`);
    assert.equal(completed.status, 403);
    assert.deepEqual(await errorOf(completed), { code: 'DENIED', message: quotaMessage(big.size, used, 40_000) });
    assert.equal((await t.client.request('GET', location)).status, 404, 'the refused upload is gone');
    const monolithic = await t.client.request('POST', `/v2/tight/app/blobs/uploads/?digest=${big.digest}`, { body: big.bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(monolithic.status, 403);
    assert.equal((await errorOf(monolithic)).code, 'DENIED');
    assert.equal((await t.client.request('HEAD', `/v2/tight/app/blobs/${big.digest}`)).status, 404);

    // Nor can it be mounted in from a project that has it.
    await createProject('roomy');
    await t.client.pushBlob('roomy/app', big);
    const mount = await t.client.request('POST', `/v2/tight/app/blobs/uploads/?mount=${big.digest}&from=roomy/app`);
    assert.equal(mount.status, 403);
    assert.equal((await errorOf(mount)).code, 'DENIED');
    assert.equal((await t.client.request('HEAD', `/v2/tight/app/blobs/${big.digest}`)).status, 404);

    // Layers that fit one by one but not together: the manifest push that references them is refused.
    const second = imageOf(await Promise.all([layer(18 * 1024), layer(18 * 1024)]));
    assert.ok(second.layers.every((l) => used + l.size <= 40_000) && used + bytesOf(second) > 40_000);
    await pushBlobs('tight/app', [second.config, ...second.layers]);
    const refused = await t.client.request('PUT', '/v2/tight/app/manifests/v2', { body: second.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(refused.status, 403);
    const error = await errorOf(refused);
    assert.equal(error.code, 'DENIED');
    assert.equal(error.message, quotaMessage(bytesOf(second), used, 40_000));
    assert.equal((await t.client.request('GET', '/v2/tight/app/manifests/v2')).status, 404);
    assert.equal((await t.client.request('GET', `/v2/tight/app/manifests/${second.manifest.digest}`)).status, 404);
    const tags = await t.client.request('GET', '/v2/tight/app/tags/list');
    assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, ['v1']);
    assert.equal(await usedOf(id), used);

    // Content the project already references adds nothing, so it is accepted even when the project is full.
    await setHard(id, used);
    await pushBlobs('tight/other', [first.config, ...first.layers]);
    assert.equal((await t.client.pushManifest('tight/other', 'copy', first.manifest)).status, 201);
    assert.equal(await usedOf(id), used);

    // With quotas switched off nothing is refused, and usage keeps counting.
    await t.settings.update({ quota_per_project_enable: false });
    try {
      assert.equal((await t.client.pushManifest('tight/app', 'v2', second.manifest)).status, 201);
      assert.equal(await usedOf(id), bytesOf(first, second));
    } finally {
      await t.settings.update({ quota_per_project_enable: true });
    }
  });

  it('frees on delete only what nothing else in the project references: artifacts, not tags; repositories; an index but not its children', async () => {
    const id = await createProject('churn');
    const [l1, l2, l3] = await Promise.all([layer(4096), layer(3000), layer(2000)]);
    const a = imageOf([l1!, l2!]);
    const b = imageOf([l1!, l3!]);
    await t.client.pushImage('churn/x', 'a', a);
    await t.client.pushImage('churn/x', 'b', b);
    await t.client.pushImage('churn/y', 'a', a);
    assert.equal(await usedOf(id), bytesOf(a, b));

    const untag = await t.client.request('DELETE', '/v2/churn/x/manifests/a');
    assert.equal(untag.status, 202);
    const untagApi = await harbor.call('DELETE', `/projects/churn/repositories/x/artifacts/${b.manifest.digest}/tags/b`);
    assert.equal(untagApi.status, 200);
    assert.equal(await usedOf(id), bytesOf(a, b), 'deleting tags frees nothing: the artifacts stay');

    const deleted = await harbor.call('DELETE', `/projects/churn/repositories/x/artifacts/${b.manifest.digest}`);
    assert.equal(deleted.status, 200);
    assert.equal(await usedOf(id), bytesOf(a), "b's manifest, config and own layer are freed; the shared layer stays for a");
    assert.equal((await t.client.request('DELETE', `/v2/churn/x/manifests/${a.manifest.digest}`)).status, 202);
    assert.equal(await usedOf(id), bytesOf(a), 'a is still in churn/y');

    const c = await makeImage({ layerSizes: [1500] });
    const d = await makeImage({ layerSizes: [2500] });
    await t.client.pushImage('churn/z', 'c', c);
    await t.client.pushImage('churn/z', 'd', d);
    const index = makeIndex([
      { image: c, architecture: 'amd64' },
      { image: d, architecture: 'arm64' },
    ]);
    assert.equal((await t.client.pushManifest('churn/z', 'multi', index)).status, 201);
    assert.equal(await usedOf(id), bytesOf(a, c, d) + index.size, 'an index adds its own manifest; its children are counted already');
    assert.equal((await t.client.request('DELETE', `/v2/churn/z/manifests/${index.digest}`)).status, 202);
    assert.equal(await usedOf(id), bytesOf(a, c, d), 'deleting the index frees its manifest only: the children remain');
    assert.equal((await t.client.request('DELETE', `/v2/churn/z/manifests/${c.manifest.digest}`)).status, 202);
    assert.equal(await usedOf(id), bytesOf(a, d));

    assert.equal((await harbor.call('DELETE', '/projects/churn/repositories/y')).status, 200);
    assert.equal(await usedOf(id), bytesOf(d));
    assert.equal((await harbor.call('DELETE', '/projects/churn/repositories/z')).status, 200);
    assert.equal(await usedOf(id), 0);

    const { id: quotaId } = await quotaOf(id);
    assert.equal((await harbor.call('DELETE', '/projects/churn', { headers: { 'X-Is-Resource-Name': 'true' } })).status, 200);
    assert.deepEqual((await harbor.call('GET', `/quotas?reference_id=${id}`)).body, []);
    assert.equal((await harbor.call('GET', `/quotas/${quotaId}`)).status, 404);
  });

  it('admits concurrent pushes to one project only up to the limit, counting their common base layer once', async () => {
    const id = await createProject('race');
    const base = await layer(16 * 1024);
    const images = await Promise.all(Array.from({ length: 8 }, async () => imageOf([base, await layer(8 * 1024)])));
    for (const [i, image] of images.entries()) await pushBlobs(`race/app${i}`, [image.config, ...image.layers]);
    const own = (image: Image) => bytesOf(image) - base.size;
    // Room for the base layer and about three images' own content.
    const hard = base.size + Math.floor(3.5 * own(images[0]!));
    await setHard(id, hard);

    const results = await Promise.all(
      images.map(async (image, i) => {
        const response = await t.client.request('PUT', `/v2/race/app${i}/manifests/v1`, { body: image.manifest.bytes, headers: { 'content-type': image.manifest.mediaType } });
        return { status: response.status, body: await response.text() };
      }),
    );
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 201 || s === 403), statuses.join());
    // A refused push is refused for the quota, with Harbor's message, not for anything else.
    for (const refused of results.filter((r) => r.status === 403)) {
      const { errors } = JSON.parse(refused.body) as { errors: { code: string; message: string }[] };
      assert.equal(errors[0]?.code, 'DENIED');
      assert.match(errors[0]!.message, /will exceed the configured upper limit/);
    }
    const admitted = images.filter((_, i) => statuses[i] === 201);
    assert.ok(admitted.length >= 1 && admitted.length < images.length, `admitted ${admitted.length} of ${images.length}`);
    const used = await usedOf(id);
    assert.equal(used, bytesOf(...admitted), 'usage is exactly what was admitted, the base layer once');
    assert.ok(used <= hard, `${used} > ${hard}`);
    for (const [i, image] of images.entries()) {
      const expected: number = statuses[i] === 201 ? 200 : 404;
      assert.equal((await t.client.request('HEAD', `/v2/race/app${i}/manifests/${image.manifest.digest}`)).status, expected);
    }
  });

  it('lets pushes that share layers the project already holds run side by side; a first reference or a delete of the same layer waits', async () => {
    const id = await createProject('side-by-side');
    const base = await layer(8 * 1024);
    const [a, b, c] = await Promise.all([0, 1, 2].map(async () => imageOf([base, await layer(2048)])));
    await t.client.pushImage('side-by-side/app', 'a', a!);
    for (const image of [b!, c!]) await pushBlobs('side-by-side/app', [image.config, ...image.layers]);

    // Another push in flight holding the base layer (shared, as the project references it) does not hold this one up.
    await holdingLedgerLocks('side-by-side/app', [base.digest], true, async () => {
      const pushed = await settledWithin(t.client.pushManifest('side-by-side/app', 'b', b!.manifest), 5_000);
      assert.notEqual(pushed, 'pending', 'the push waited for another push of the same base layer');
      assert.equal((pushed as Response).status, 201);
    });
    // A change that may remove the base layer's last reference (a delete) holds it exclusively: the push waits for it.
    let pending!: Promise<Response>;
    await holdingLedgerLocks('side-by-side/app', [base.digest], false, async () => {
      pending = t.client.pushManifest('side-by-side/app', 'c', c!.manifest);
      await untilWaiting(1);
    });
    assert.equal((await pending).status, 201);
    assert.equal(await usedOf(id), bytesOf(a!, b!, c!));
  });

  it('counts a layer once when two pushes reference it just as a delete frees it', async () => {
    const id = await createProject('handover');
    const base = await layer(8 * 1024);
    const [a, b, c] = await Promise.all([0, 1, 2].map(async () => imageOf([base, await layer(2048)])));
    await t.client.pushImage('handover/app', 'a', a!);
    for (const image of [b!, c!]) await pushBlobs('handover/app', [image.config, ...image.layers]);
    // Queue, behind a held lock: the delete of a (the base layer's only reference), then pushes of b and c, which
    // both see the base layer referenced and ask for it shared. When the delete has freed it, neither may count it
    // under its shared lock alone: both start over with exclusive locks, and the layer is counted exactly once.
    let deleted!: Promise<Response>;
    let pushes!: Promise<Response>[];
    await holdingLedgerLocks('handover/app', [base.digest], false, async () => {
      deleted = t.client.request('DELETE', `/v2/handover/app/manifests/${a!.manifest.digest}`);
      await untilWaiting(1);
      pushes = [b!, c!].map((image, i) => t.client.pushManifest('handover/app', `v${i}`, image.manifest));
      await untilWaiting(3);
    });
    assert.equal((await deleted).status, 202);
    assert.deepEqual((await Promise.all(pushes)).map((r) => r.status), [201, 201]);
    assert.equal(await usedOf(id), bytesOf(b!, c!));
  });

  it('lets system administrators list, read, raise and lower quotas; a raised limit admits a refused push, a lowered one refuses new bytes', async () => {
    const id = await createProject('managed');
    const image = await makeImage({ layerSizes: [4096] });
    const more = await makeImage({ layerSizes: [1024] });
    await pushBlobs('managed/app', [image.config, ...image.layers, more.config, ...more.layers]);
    await setHard(id, 1_000);
    assert.equal((await t.client.pushManifest('managed/app', 'v1', image.manifest)).status, 403);

    const quota = await harbor.call('GET', `/quotas/${(await quotaOf(id)).id}`);
    assert.equal(quota.status, 200);
    assert.deepEqual(quota.body.ref, { id, name: 'managed', owner_name: 'admin' });
    assert.deepEqual([quota.body.hard, quota.body.used], [{ storage: 1_000 }, { storage: 0 }]);

    await setHard(id, 1024 * 1024);
    assert.equal((await t.client.pushManifest('managed/app', 'v1', image.manifest)).status, 201);
    assert.equal(await usedOf(id), bytesOf(image));

    await setHard(id, 1_000);
    assert.equal((await t.client.pushManifest('managed/app', 'v2', more.manifest)).status, 403);
    assert.equal((await t.client.pushManifest('managed/app', 'again', image.manifest)).status, 201, 're-tagging adds no bytes');
    assert.equal((await t.client.request('DELETE', `/v2/managed/app/manifests/${image.manifest.digest}`)).status, 202, 'deleting is always possible');
    assert.equal(await usedOf(id), 0);

    const all = await harbor.call('GET', '/quotas?page_size=2&sort=-used.storage');
    assert.equal(all.status, 200);
    assert.equal(all.body.length, 2);
    assert.ok(Number(all.headers.get('x-total-count')) >= 5);
    assert.match(all.headers.get('link') ?? '', /rel="next"/);
    assert.ok(all.body[0].used.storage >= all.body[1].used.storage);
    assert.deepEqual((await harbor.call('GET', `/quotas?reference=user&reference_id=${id}`)).body, []);
    assert.equal((await harbor.call('GET', '/quotas?sort=name')).status, 400);

    const quotaId = (await quotaOf(id)).id;
    for (const body of [{}, { hard: {} }, { hard: { storage: 0 } }, { hard: { storage: -2 } }, { hard: { storage: 1.5 } }, { hard: { storage: 10, count: 1 } }, { hard: { storage: '10' } }]) {
      const response = await harbor.call('PUT', `/quotas/${quotaId}`, { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(response.body.errors[0].message, /hard/);
    }
    assert.equal((await harbor.call('PUT', '/quotas/999999', { body: { hard: { storage: 10 } } })).status, 404);
    assert.equal((await harbor.call('GET', '/quotas/999999')).status, 404);
  });

  it('refuses the quota API to everyone but system administrators', async () => {
    const id = await createProject('guarded');
    const quotaId = (await quotaOf(id)).id;
    for (const [auth, status] of [
      [alice, 403],
      [null, 401],
    ] as const) {
      assert.equal((await harbor.call('GET', '/quotas', { auth })).status, status);
      assert.equal((await harbor.call('GET', `/quotas/${quotaId}`, { auth })).status, status);
      assert.equal((await harbor.call('PUT', `/quotas/${quotaId}`, { auth, body: { hard: { storage: 10 } } })).status, status);
    }
    assert.equal((await quotaOf(id)).hard, -1);
    const summary = await harbor.call('GET', '/projects/guarded/summary', { auth: null, headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(summary.status, 404, 'a private project stays invisible');
  });
});
