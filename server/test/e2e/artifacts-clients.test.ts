import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { imageBlobs, makeChart, makeImage, makeIndex, makeReferrer, writeOciLayout, type Blob, type Image } from '../fixtures/image-builder.ts';

const TIMEOUT = 120_000;

/**
 * What skopeo pushes — an image, a multi-arch index, a signature stored as a
 * referrer, a Helm chart in OCI form — read back through Harbor's API exactly
 * as Harbor reports it.
 */
describe('artifacts pushed with skopeo, read through the Harbor API', () => {
  let berth: BerthProcess;
  let tools: ContainerTools;
  let harbor: HarborApi;
  let amd: Image;
  let arm: Image;
  let index: Blob;
  let chart: Image;
  let signature: Image;

  const push = async (blobs: Blob[], top: Blob, repository: string, tag: string, all = false) => {
    const layout = tools.tempDir('layout');
    writeOciLayout(layout, blobs, { src: top });
    await tools.skopeo(['copy', '-q', ...(all ? ['--all'] : []), '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:src`, `docker://${berth.host}/shop/${repository}:${tag}`]);
  };
  const artifact = async (repository: string, reference: string, query = '') =>
    (await harbor.call('GET', `/projects/shop/repositories/${encodeURIComponent(encodeURIComponent(repository))}/artifacts/${reference}${query}`)).body;

  before(async () => {
    tools = createContainerTools();
    berth = await startBerth();
    harbor = new HarborApi(berth.url);
    await harbor.createProject('shop');
    amd = await makeImage({ layerSizes: [4096, 1024] });
    arm = await makeImage({ layerSizes: [2048], architecture: 'arm64' });
    index = makeIndex([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
    chart = await makeChart('shopfront', '1.2.3');
    signature = makeReferrer(amd.manifest);
    await push(imageBlobs(amd), amd.manifest, 'web', 'v1');
    await push([...imageBlobs(amd), ...imageBlobs(arm), index], index, 'web', 'multi', true);
    await push(imageBlobs(signature), signature.manifest, 'web', 'sig');
    await push(imageBlobs(chart), chart.manifest, 'charts/shopfront', '1.2.3');
  });
  after(async () => {
    await berth?.destroy();
    await tools?.destroy();
  });

  it('reports the image with its size, platform attributes and tag', { timeout: TIMEOUT }, async () => {
    const a = await artifact('web', 'v1');
    assert.equal(a.type, 'IMAGE');
    assert.equal(a.digest, amd.manifest.digest);
    assert.equal(a.size, amd.manifest.size + amd.config.size + amd.layers.reduce((sum, l) => sum + l.size, 0));
    assert.deepEqual([a.extra_attrs.architecture, a.extra_attrs.os], ['amd64', 'linux']);
    assert.ok(a.tags.some((tag: { name: string }) => tag.name === 'v1'));
  });

  it('reports the index with both platforms as references, and its size including children', { timeout: TIMEOUT }, async () => {
    const a = await artifact('web', 'multi');
    assert.equal(a.manifest_media_type, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(
      a.references.map((r: { child_digest: string; platform: { architecture: string } }) => `${r.platform.architecture}=${r.child_digest}`).sort(),
      [`amd64=${amd.manifest.digest}`, `arm64=${arm.manifest.digest}`],
    );
    const children = (await artifact('web', amd.manifest.digest)).size + (await artifact('web', arm.manifest.digest)).size;
    assert.equal(a.size, index.size + children);
  });

  it('lists the signature as an accessory of its subject, not as an artifact of its own', { timeout: TIMEOUT }, async () => {
    const a = await artifact('web', 'v1', '?with_accessory=true');
    assert.deepEqual(a.accessories.map((x: { digest: string; type: string }) => [x.digest, x.type]), [[signature.manifest.digest, 'signature.cosign']]);
    const listed = (await harbor.call('GET', '/projects/shop/repositories/web/artifacts?page_size=50')).body.map((x: { digest: string }) => x.digest);
    assert.ok(!listed.includes(signature.manifest.digest));
    assert.deepEqual(listed.sort(), [amd.manifest.digest, index.digest].sort());
  });

  it('reports the Helm chart with Chart.yaml attributes and its values, readme and dependencies', { timeout: TIMEOUT }, async () => {
    const a = await artifact('charts/shopfront', '1.2.3');
    assert.equal(a.type, 'CHART');
    assert.deepEqual([a.extra_attrs.name, a.extra_attrs.version], ['shopfront', '1.2.3']);
    const values = await fetch(`${berth.url}/api/v2.0/projects/shop/repositories/charts%252Fshopfront/artifacts/1.2.3/additions/values.yaml`, {
      headers: { authorization: `Basic ${Buffer.from(ADMIN_CREDS).toString('base64')}` },
    });
    assert.equal(await values.text(), 'replicaCount: 2\n');
    const repositories = (await harbor.call('GET', '/projects/shop/repositories?sort=name')).body;
    assert.deepEqual(repositories.map((r: { name: string; artifact_count: number }) => [r.name, r.artifact_count]), [['shop/charts/shopfront', 1], ['shop/web', 4]]);
  });
});
