import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { HELM_CONFIG, makeChart, makeImage, makeIndex, makeReferrer, OCI_CONFIG, type Image } from '../fixtures/image-builder.ts';

let t: TestApp;
let harbor: HarborApi;
let projectId: number;
let webV1: Image;
let webV2: Image;
let amd: Image;
let arm: Image;
let chart: Image;
const GUEST = basic('pa-guest', TEST_PASSWORD);
const OUTSIDER = basic('pa-outsider', TEST_PASSWORD);

type Listed = { digest: string; repository_name: string; type: string; tags?: { name: string }[]; accessories?: { digest: string }[]; addition_links: Record<string, { href: string }> };
const digests = (body: Listed[]) => body.map((a) => a.digest);

/** In push order: gallery/web v1, gallery/tools/multi (an index of two images), gallery/charts/demo, gallery/web v2 with a signature. */
before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  projectId = await harbor.createProject('gallery');
  await harbor.createProject('elsewhere', { public: true });
  await harbor.createUser('pa-guest');
  await harbor.createUser('pa-outsider');
  await harbor.addMember('gallery', 'pa-guest', 3);
  webV1 = await makeImage({ layerSizes: [100] });
  webV2 = await makeImage({ layerSizes: [200] });
  amd = await makeImage({ layerSizes: [300] });
  arm = await makeImage({ layerSizes: [400], architecture: 'arm64' });
  chart = await makeChart('demo', '0.1.0');
  const pushInOrder = async (push: () => Promise<unknown>) => {
    await push();
    // Push times are the database clock's; a few milliseconds apart keeps "newest first" unambiguous.
    await new Promise((resolve) => setTimeout(resolve, 20));
  };
  await pushInOrder(() => t.client.pushImage('gallery/web', 'v1', webV1));
  await pushInOrder(async () => {
    for (const image of [amd, arm]) {
      for (const blob of [image.config, ...image.layers]) await t.client.pushBlob('gallery/tools/multi', blob);
      assert.equal((await t.client.pushManifest('gallery/tools/multi', image.manifest.digest, image.manifest)).status, 201);
    }
    assert.equal((await t.client.pushManifest('gallery/tools/multi', 'latest', makeIndex([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]))).status, 201);
  });
  await pushInOrder(() => t.client.pushImage('gallery/charts/demo', '0.1.0', chart));
  await pushInOrder(() => t.client.pushImage('gallery/web', 'v2', webV2));
  const signature = makeReferrer(webV2.manifest);
  await t.client.pushImage('gallery/web', signature.manifest.digest.replace(':', '-'), signature);
  await t.client.pushImage('elsewhere/web', 'v1', await makeImage({ layerSizes: [10] }));
});
after(async () => t.close());

describe('GET /projects/{project_name_or_id}/artifacts', () => {
  it('lists the artifacts of all the project’s repositories, newest first, without accessories or untagged index children', async () => {
    const response = await harbor.call('GET', '/projects/gallery/artifacts');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-total-count'), '4');
    const index = makeIndex([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
    assert.deepEqual(digests(response.body), [webV2.manifest.digest, chart.manifest.digest, index.digest, webV1.manifest.digest]);
    assert.deepEqual(
      response.body.map((a: Listed) => [a.repository_name, a.tags!.map((tag) => tag.name)]),
      [['gallery/web', ['v2']], ['gallery/charts/demo', ['0.1.0']], ['gallery/tools/multi', ['latest']], ['gallery/web', ['v1']]],
    );
  });

  it('links each artifact’s additions under its own repository, double-encoded as Harbor clients expect', async () => {
    const { body } = await harbor.call('GET', '/projects/gallery/artifacts?q=type%3DCHART');
    assert.equal(body.length, 1);
    const href = body[0].addition_links['values.yaml']!.href;
    assert.equal(href, `/api/v2.0/projects/gallery/repositories/charts%252Fdemo/artifacts/${chart.manifest.digest}/additions/values.yaml`);
    const values = await fetch(`${t.url}${href}`, { headers: { authorization: t.client.auth! } });
    assert.equal(await values.text(), 'replicaCount: 2\n');
  });

  it('pages with X-Total-Count and Link, sorts, and leaves tags out on request', async () => {
    const page = await harbor.call('GET', '/projects/gallery/artifacts?page=2&page_size=1&sort=push_time&with_tag=false');
    assert.equal(page.headers.get('x-total-count'), '4');
    assert.match(page.headers.get('link') ?? '', /<\/api\/v2\.0\/projects\/gallery\/artifacts\?.*page=1.*>; rel="prev" , <.*page=3.*>; rel="next"/);
    const index = makeIndex([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
    assert.deepEqual(digests(page.body), [index.digest]);
    assert.equal(page.body[0].tags, undefined);
  });

  it('filters by media_type and artifact_type as the responses show them', async () => {
    const charts = await harbor.call('GET', `/projects/gallery/artifacts?q=${encodeURIComponent(`media_type=${HELM_CONFIG}`)}`);
    assert.deepEqual(digests(charts.body), [chart.manifest.digest]);
    const images = await harbor.call('GET', `/projects/gallery/artifacts?q=${encodeURIComponent(`artifact_type=${OCI_CONFIG}`)}`);
    assert.deepEqual(digests(images.body), [webV2.manifest.digest, webV1.manifest.digest]);
    assert.equal(images.body[0].media_type, OCI_CONFIG);
  });

  it('keeps only each repository’s newest match with latest_in_repository, which needs exactly one of media_type or artifact_type', async () => {
    const latest = await harbor.call('GET', `/projects/gallery/artifacts?latest_in_repository=true&q=${encodeURIComponent(`artifact_type=${OCI_CONFIG}`)}`);
    assert.deepEqual(digests(latest.body), [webV2.manifest.digest]);
    assert.equal(latest.headers.get('x-total-count'), '1');
    const anyType = await harbor.call('GET', `/projects/gallery/artifacts?latest_in_repository=true&q=${encodeURIComponent('type=IMAGE')}`);
    assert.equal(anyType.status, 400);
    assert.match(anyType.body.errors[0].message, /media_type or artifact_type/);
    const both = await harbor.call('GET', `/projects/gallery/artifacts?latest_in_repository=true&q=${encodeURIComponent(`artifact_type=${OCI_CONFIG},media_type=${OCI_CONFIG}`)}`);
    assert.equal(both.status, 400);
  });

  it('shows accessories under their subject with with_accessory=true', async () => {
    const { body } = await harbor.call('GET', '/projects/gallery/artifacts?with_accessory=true&page_size=1');
    assert.deepEqual(body[0].accessories.map((a: { digest: string }) => a.digest), [makeReferrer(webV2.manifest).manifest.digest]);
  });

  it('finds the project by id or by name; with X-Is-Resource-Name a number is taken as a name', async () => {
    const byId = await harbor.call('GET', `/projects/${projectId}/artifacts`);
    assert.equal(byId.headers.get('x-total-count'), '4');
    const byName = await harbor.call('GET', '/projects/gallery/artifacts', { headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(byName.headers.get('x-total-count'), '4');
    assert.equal((await harbor.call('GET', `/projects/${projectId}/artifacts`, { headers: { 'X-Is-Resource-Name': 'true' } })).status, 404);
  });

  it('lets members list, hides a private project from outsiders, and asks anonymous callers to log in even for public projects', async () => {
    assert.equal((await harbor.call('GET', '/projects/gallery/artifacts', { auth: GUEST })).headers.get('x-total-count'), '4');
    const outsider = await harbor.call('GET', '/projects/gallery/artifacts', { auth: OUTSIDER });
    assert.equal(outsider.status, 404);
    assert.equal((await harbor.call('GET', '/projects/elsewhere/artifacts', { auth: OUTSIDER })).body.length, 1);
    assert.equal((await harbor.call('GET', '/projects/elsewhere/artifacts', { auth: null })).status, 401);
    assert.equal((await harbor.call('GET', '/projects/gallery/artifacts', { auth: null })).status, 401);
  });

  it('refuses unknown q fields, sort fields and malformed flags with 400', async () => {
    for (const query of ['q=password%3Dx', 'sort=secret', 'with_tag=yes', 'page_size=1000']) {
      assert.equal((await harbor.call('GET', `/projects/gallery/artifacts?${query}`)).status, 400, query);
    }
  });
});
