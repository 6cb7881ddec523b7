import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { imageBlobs, makeImage, writeOciLayout, type Image } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';

/** Immutable tags as a registry client meets them: skopeo pushing to a tag a rule holds. */

const TEST_TIMEOUT = 120_000;
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

async function adminApi(method: string, path: string, body: unknown): Promise<number> {
  const response = await admin.request(method, `/api/v2.0${path}`, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  await response.arrayBuffer();
  return response.status;
}

describe('immutable tags with a real registry client', () => {
  it('skopeo pushing another image to an immutable tag fails with the reason, and pushing the same image again succeeds', { timeout: TEST_TIMEOUT }, async () => {
    assert.equal(await adminApi('POST', '/projects', { project_name: 'frozen', metadata: { public: 'false' } }), 201);
    const rule = {
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    };
    assert.equal(await adminApi('POST', '/projects/frozen/immutabletagrules', rule), 201);

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
