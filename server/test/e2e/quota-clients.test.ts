import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { imageBlobs, makeImage, writeOciLayout, type Image } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';
import { formatBytes } from '../../src/quotas/quota-exceeded.ts';

/**
 * Project rules as a registry client meets them: skopeo pushing into a
 * project that is too small, or to a tag an immutability rule holds.
 */

const TEST_TIMEOUT = 120_000;
const LIMIT = 64 * 1024;
let berth: BerthProcess;
let tools: ContainerTools;
let admin: RegistryClient;

before(async () => {
  tools = createContainerTools();
  berth = await startBerth();
  admin = new RegistryClient(berth.url, ADMIN_AUTH);
});
after(async () => {
  await berth?.destroy();
  await tools?.destroy();
});

async function adminApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await admin.request(method, `/api/v2.0${path}`, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

function bytesOf(image: Image): number {
  return imageBlobs(image).reduce((sum, blob) => sum + blob.size, 0);
}

describe('project quotas with a real registry client', () => {
  it("skopeo's push over the quota fails with Harbor's quota message, whether a layer or the manifest is refused, and leaves nothing behind", { timeout: TEST_TIMEOUT }, async () => {
    const created = await adminApi('POST', '/projects', { project_name: 'small', storage_limit: LIMIT });
    assert.equal(created.status, 201);
    const projectId = Number(created.headers.get('location')!.split('/').pop());

    const push = async (image: Image, tag: string) => {
      const layout = tools.tempDir('quota-layout');
      writeOciLayout(layout, imageBlobs(image), { [tag]: image.manifest });
      return await tools.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:${tag}`, `docker://${berth.host}/small/app:${tag}`], { check: false });
    };

    // Every layer fits on its own, so the blobs upload; the manifest that would reference them all does not fit.
    const tooMany = await makeImage({ layerSizes: [24 * 1024, 24 * 1024, 24 * 1024] });
    assert.ok(bytesOf(tooMany) > LIMIT && tooMany.layers.every((layer) => layer.size <= LIMIT));
    const manifestRefused = await push(tooMany, 'many');
    assertRefused(manifestRefused, REFUSAL.quotaExceeded, 'a manifest over the quota');
    assert.ok(
      manifestRefused.stderr.includes(`adding ${formatBytes(bytesOf(tooMany))} of storage resource, which when updated to current usage of 0 B will exceed the configured upper limit of ${formatBytes(LIMIT)}`),
      manifestRefused.stderr,
    );

    // A layer larger than the whole quota is refused as its upload completes.
    const tooBig = await makeImage({ layerSizes: [96 * 1024] });
    const blobRefused = await push(tooBig, 'big');
    assertRefused(blobRefused, REFUSAL.quotaExceeded, 'a layer over the quota');
    assert.ok(blobRefused.stderr.includes(`adding ${formatBytes(tooBig.layers[0]!.size)} of storage resource`), blobRefused.stderr);
    assert.match(blobRefused.stderr, /will exceed the configured upper limit of 64\.0 KiB/);

    for (const tag of ['many', 'big']) {
      const inspect = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', ADMIN_CREDS, `docker://${berth.host}/small/app:${tag}`], { check: false });
      assertRefused(inspect, REFUSAL.manifestUnknown, `small/app:${tag} must not exist`);
    }
    const quotas = await adminApi('GET', `/quotas?reference_id=${projectId}`);
    assert.deepEqual([quotas.body[0].hard, quotas.body[0].used], [{ storage: LIMIT }, { storage: 0 }]);

    // What fits is pushed as usual and counted.
    const fits = await makeImage({ layerSizes: [8 * 1024] });
    const pushed = await push(fits, 'ok');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal((await adminApi('GET', `/quotas?reference_id=${projectId}`)).body[0].used.storage, bytesOf(fits));
  });
});

describe('immutable tags with a real registry client', () => {
  it('skopeo pushing another image to an immutable tag fails with the reason, and pushing the same image again succeeds', { timeout: TEST_TIMEOUT }, async () => {
    assert.equal((await adminApi('POST', '/projects', { project_name: 'frozen', metadata: { public: 'false' } })).status, 201);
    const rule = {
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    };
    assert.equal((await adminApi('POST', '/projects/frozen/immutabletagrules', rule)).status, 201);

    const push = async (image: Image) => {
      const layout = tools.tempDir('immutable-layout');
      writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
      return await tools.skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:v1`, `docker://${berth.host}/frozen/app:v1`], { check: false });
    };
    const first = await makeImage({ layerSizes: [2048] });
    const created = await push(first);
    assert.equal(created.code, 0, created.stderr);

    const again = await push(first);
    assert.equal(again.code, 0, `the same digest again: ${again.stderr}`);

    const refused = await push(await makeImage({ layerSizes: [2048] }));
    assertRefused(refused, REFUSAL.immutableTag, 'another digest to the immutable tag');
    assert.match(refused.stderr, new RegExp(`tag v1 of frozen/app is immutable \\(immutable tag rule \\d+\\): it stays on ${first.manifest.digest}`));

    const inspect = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', ADMIN_CREDS, `docker://${berth.host}/frozen/app:v1`]);
    assert.equal(inspect.stdout, first.manifest.bytes.toString());
  });
});
