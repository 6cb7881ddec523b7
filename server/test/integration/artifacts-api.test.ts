import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeChart, makeImage, makeIndex, makeReferrer, type Image } from '../fixtures/image-builder.ts';

let t: TestApp;
let harbor: HarborApi;
let image: Image;
let arm: Image;
let chart: Image;
const index = () => makeIndex([{ image, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);

const repo = (name: string) => `/projects/art/repositories/${encodeURIComponent(encodeURIComponent(name))}`;

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createProject('art');
  image = await makeImage({ layerSizes: [1000, 2000] });
  arm = await makeImage({ layerSizes: [500], architecture: 'arm64' });
  chart = await makeChart('demo', '0.1.0');
  await t.client.pushImage('art/app', 'v1', image);
  await t.client.pushImage('art/app', 'arm', arm);
  const list = index();
  const pushed = await t.client.pushManifest('art/app', 'multi', list);
  assert.equal(pushed.status, 201);
  await t.client.pushImage('art/charts/demo', '0.1.0', chart);
  const signature = makeReferrer(image.manifest);
  await t.client.pushImage('art/app', signature.manifest.digest.replace(':', '-'), signature);
});
after(async () => t.close());

describe('repositories API', () => {
  it('lists a project’s repositories with artifact counts, and all visible repositories', async () => {
    const listed = await harbor.call('GET', '/projects/art/repositories?sort=name');
    assert.deepEqual(listed.body.map((r: { name: string; artifact_count: number }) => [r.name, r.artifact_count]), [['art/app', 4], ['art/charts/demo', 1]]);
    assert.equal(listed.headers.get('x-total-count'), '2');
    const all = await harbor.call('GET', '/repositories?q=name%3D~charts');
    assert.deepEqual(all.body.map((r: { name: string }) => r.name), ['art/charts/demo']);
  });

  it('reads and updates a repository named with slashes, double-encoded as Harbor clients send it', async () => {
    const got = await harbor.call('GET', repo('charts/demo'));
    assert.equal(got.body.name, 'art/charts/demo');
    assert.equal((await harbor.call('PUT', repo('charts/demo'), { body: { description: 'Helm charts' } })).status, 200);
    assert.equal((await harbor.call('GET', repo('charts/demo'))).body.description, 'Helm charts');
    assert.equal((await harbor.call('GET', repo('nothing'))).status, 404);
  });
});

describe('artifacts API', () => {
  it('reports an image as Harbor does: type, media types, size, extra_attrs, tags, build history link', async () => {
    const got = await harbor.call('GET', `${repo('app')}/artifacts/v1`);
    const a = got.body;
    assert.equal(a.type, 'IMAGE');
    assert.equal(a.media_type, 'application/vnd.oci.image.config.v1+json');
    assert.equal(a.manifest_media_type, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(a.digest, image.manifest.digest);
    assert.equal(a.size, image.manifest.size + image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0));
    assert.equal(a.extra_attrs.architecture, 'amd64');
    assert.equal(a.extra_attrs.os, 'linux');
    assert.deepEqual(a.extra_attrs.config, { Cmd: ['/bin/true'] });
    assert.deepEqual(a.tags.map((tag: { name: string }) => tag.name), ['v1']);
    const icon = await harbor.call('GET', `/icons/${a.icon}`);
    assert.equal(icon.body['content-type'], 'image/svg+xml');
    assert.match(Buffer.from(icon.body.content, 'base64').toString(), /^<svg/);
    assert.equal((await harbor.call('GET', '/icons/sha256:0000')).status, 404);
    assert.equal(a.repository_name, 'art/app');
    assert.ok(a.addition_links.build_history.href.endsWith('/additions/build_history'));
  });

  it('serves additions: an image’s build history and a chart’s values, readme and dependencies', async () => {
    const history = await harbor.call('GET', `${repo('app')}/artifacts/v1/additions/build_history`);
    assert.equal(history.status, 200);
    assert.equal(history.body.length, 2);
    const values = await fetch(`${t.url}/api/v2.0${repo('charts/demo')}/artifacts/0.1.0/additions/values.yaml`, { headers: { authorization: t.client.auth! } });
    assert.equal(await values.text(), 'replicaCount: 2\n');
    const readme = await fetch(`${t.url}/api/v2.0${repo('charts/demo')}/artifacts/0.1.0/additions/readme.md`, { headers: { authorization: t.client.auth! } });
    assert.equal(await readme.text(), '# demo\n');
    const deps = await harbor.call('GET', `${repo('charts/demo')}/artifacts/0.1.0/additions/dependencies`);
    assert.deepEqual(deps.body, [{ name: 'redis', version: '17.0.0', repository: 'oci://example/charts' }]);
    assert.equal((await harbor.call('GET', `${repo('app')}/artifacts/v1/additions/values.yaml`)).status, 404);
  });

  it('recognises a Helm chart and shows Chart.yaml as extra_attrs', async () => {
    const a = (await harbor.call('GET', `${repo('charts/demo')}/artifacts/0.1.0`)).body;
    assert.equal(a.type, 'CHART');
    assert.equal(a.extra_attrs.name, 'demo');
    assert.equal(a.extra_attrs.version, '0.1.0');
    assert.deepEqual(Object.keys(a.addition_links), ['values.yaml', 'readme.md', 'dependencies']);
  });

  it('lists an index with its platforms, hides its untagged children and accessories, sorts and pages newest first', async () => {
    const listed = await harbor.call('GET', `${repo('app')}/artifacts?page_size=10`);
    const digests = listed.body.map((a: { digest: string }) => a.digest);
    const list = index();
    assert.deepEqual(digests, [list.digest, arm.manifest.digest, image.manifest.digest]);
    const multi = listed.body[0];
    assert.equal(multi.type, 'IMAGE');
    assert.equal(multi.manifest_media_type, 'application/vnd.oci.image.index.v1+json');
    // As Harbor: an index has no additions of its own; its children have theirs.
    assert.deepEqual(multi.addition_links, {});
    assert.equal((await harbor.call('GET', `${repo('app')}/artifacts/${list.digest}/additions/build_history`)).status, 404);
    assert.deepEqual(
      multi.references.map((r: { child_digest: string; platform: { architecture: string } }) => [r.child_digest, r.platform.architecture]).sort(),
      [[image.manifest.digest, 'amd64'], [arm.manifest.digest, 'arm64']].sort(),
    );
    assert.equal(multi.size, list.size + (await harbor.call('GET', `${repo('app')}/artifacts/v1`)).body.size + (await harbor.call('GET', `${repo('app')}/artifacts/arm`)).body.size);
    const paged = await harbor.call('GET', `${repo('app')}/artifacts?page=2&page_size=1&with_tag=false`);
    assert.equal(paged.headers.get('x-total-count'), '3');
    assert.equal(paged.body[0].tags, undefined);
    assert.equal(paged.body[0].digest, arm.manifest.digest);
    assert.match(paged.headers.get('link') ?? '', /rel="prev".*rel="next"/);
    const beyond = await harbor.call('GET', `${repo('app')}/artifacts?page=4&page_size=1`);
    assert.deepEqual([beyond.body, beyond.headers.get('x-total-count')], [[], '3']);
    const portalOrder = await harbor.call('GET', `${repo('app')}/artifacts?sort=-push_time`);
    assert.deepEqual(portalOrder.body.map((a: { digest: string }) => a.digest), digests);
    const sortedByTags = await harbor.call('GET', `${repo('app')}/artifacts?sort=tags`);
    assert.deepEqual(sortedByTags.body.map((a: { tags: { name: string }[] }) => a.tags[0]!.name), ['arm', 'multi', 'v1']);
    const byType = await harbor.call('GET', `${repo('app')}/artifacts?q=digest%3D${encodeURIComponent(arm.manifest.digest)}`);
    assert.equal(byType.body.length, 1);
  });

  it('lists accessories under their subject', async () => {
    const signature = makeReferrer(image.manifest);
    const a = (await harbor.call('GET', `${repo('app')}/artifacts/${image.manifest.digest}?with_accessory=true`)).body;
    assert.deepEqual(a.accessories.map((x: { digest: string; type: string }) => [x.digest, x.type]), [[signature.manifest.digest, 'signature.cosign']]);
    const listed = await harbor.call('GET', `${repo('app')}/artifacts/v1/accessories`);
    assert.equal(listed.body[0].subject_artifact_digest, image.manifest.digest);
  });

  it('creates, lists and deletes tags as objects of their own', async () => {
    assert.equal((await harbor.call('POST', `${repo('app')}/artifacts/v1/tags`, { body: { name: 'stable' } })).status, 201);
    assert.equal((await harbor.call('POST', `${repo('app')}/artifacts/v1/tags`, { body: { name: 'stable' } })).status, 409);
    assert.equal((await harbor.call('POST', `${repo('app')}/artifacts/v1/tags`, { body: { name: '-bad' } })).status, 400);
    const tags = await harbor.call('GET', `${repo('app')}/artifacts/v1/tags?sort=name`);
    assert.deepEqual(tags.body.map((tag: { name: string }) => tag.name), ['stable', 'v1']);
    const pulled = await t.client.request('GET', '/v2/art/app/manifests/stable');
    assert.equal(pulled.headers.get('docker-content-digest'), image.manifest.digest);
    await pulled.arrayBuffer();
    assert.equal((await harbor.call('DELETE', `${repo('app')}/artifacts/v1/tags/stable`)).status, 200);
    assert.equal((await harbor.call('DELETE', `${repo('app')}/artifacts/arm/tags/v1`)).status, 404);
  });

  it('copies an artifact with its children between projects, needing pull on the source', async () => {
    await harbor.createProject('copies');
    const copied = await harbor.call('POST', `/projects/copies/repositories/app/artifacts?from=${encodeURIComponent('art/app:multi')}`);
    assert.equal(copied.status, 201);
    const a = (await harbor.call('GET', '/projects/copies/repositories/app/artifacts/multi')).body;
    assert.equal(a.digest, index().digest);
    const child = await t.client.request('GET', `/v2/copies/app/blobs/${arm.layers[0]!.digest}`);
    assert.equal(child.status, 200);
    await child.arrayBuffer();
    await harbor.createUser('copier');
    await harbor.createProject('mine', { auth: basic('copier', TEST_PASSWORD) });
    const refused = await harbor.call('POST', `/projects/mine/repositories/stolen/artifacts?from=${encodeURIComponent('art/app:v1')}`, { auth: basic('copier', TEST_PASSWORD) });
    assert.equal(refused.status, 404);
  });

  it('deletes an artifact together with its accessories, and a whole repository', async () => {
    await harbor.createProject('doomed');
    const victim = await makeImage({ layerSizes: [10] });
    await t.client.pushImage('doomed/app', 'v1', victim);
    const sig = makeReferrer(victim.manifest);
    await t.client.pushImage('doomed/app', 'sig', sig);
    assert.equal((await harbor.call('DELETE', '/projects/doomed/repositories/app/artifacts/v1')).status, 200);
    for (const digest of [victim.manifest.digest, sig.manifest.digest]) {
      const gone = await t.client.request('GET', `/v2/doomed/app/manifests/${digest}`);
      assert.equal(gone.status, 404);
      await gone.arrayBuffer();
    }
    await t.client.pushImage('doomed/other', 'v1', victim);
    assert.equal((await harbor.call('DELETE', '/projects/doomed/repositories/other')).status, 200);
    assert.equal((await harbor.call('GET', '/projects/doomed/repositories/other')).status, 404);
    assert.equal((await harbor.call('DELETE', '/projects/doomed', { headers: { 'X-Is-Resource-Name': 'true' } })).status, 200);
  });

  it('counts pulls and records pull times a moment later, without writing on the pull itself', async () => {
    const before = (await harbor.call('GET', repo('charts/demo'))).body.pull_count;
    for (let i = 0; i < 3; i++) {
      const pulled = await t.client.request('GET', '/v2/art/charts/demo/manifests/0.1.0');
      assert.equal(pulled.status, 200);
      await pulled.arrayBuffer();
    }
    await t.flushBuffered();
    const repository = (await harbor.call('GET', repo('charts/demo'))).body;
    assert.equal(repository.pull_count, before + 3);
    const artifact = (await harbor.call('GET', `${repo('charts/demo')}/artifacts/0.1.0`)).body;
    assert.ok(Date.parse(artifact.pull_time) > Date.now() - 60_000, artifact.pull_time);
    assert.ok(Date.parse(artifact.tags[0].pull_time) > Date.now() - 60_000, artifact.tags[0].pull_time);
  });

  it('keeps artifacts of private projects hidden and read-only for those without rights', async () => {
    await harbor.createUser('peeker');
    const peeker = basic('peeker', TEST_PASSWORD);
    assert.equal((await harbor.call('GET', `${repo('app')}/artifacts`, { auth: peeker })).status, 404);
    await harbor.addMember('art', 'peeker', 3);
    assert.equal((await harbor.call('GET', `${repo('app')}/artifacts`, { auth: peeker })).status, 200);
    assert.equal((await harbor.call('DELETE', `${repo('app')}/artifacts/v1`, { auth: peeker })).status, 403);
    assert.equal((await harbor.call('POST', `${repo('app')}/artifacts/v1/tags`, { auth: peeker, body: { name: 'guest-tag' } })).status, 403);
  });
});
