import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage, type Image } from '../fixtures/image-builder.ts';

let t: TestApp;
let harbor: HarborApi;
const ALICE = basic('ov-alice', TEST_PASSWORD);
const BOB = basic('ov-bob', TEST_PASSWORD);
const pushed: Image[] = [];

async function push(repository: string, tag: string, image: Image): Promise<void> {
  await t.client.pushImage(repository, tag, image);
  pushed.push(image);
}

/**
 * alpha-public (public): app; alpha-private (alice is a developer): app;
 * beta-secret (nobody but the admin): alpha-tool, and an upload-only
 * repository without artifacts; empty-public: nothing.
 */
before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createUser('ov-alice');
  await harbor.createUser('ov-bob');
  await harbor.createProject('alpha-public', { public: true });
  await harbor.createProject('alpha-private');
  await harbor.createProject('beta-secret');
  await harbor.createProject('empty-public', { public: true });
  await harbor.addMember('alpha-private', 'ov-alice', 2);
  const shared = await makeImage({ layerSizes: [3000, 5000] });
  await push('alpha-public/app', 'v1', shared);
  // The same blobs again in another repository: stored, and counted, once.
  await t.client.pushImage('alpha-private/app', 'v1', shared);
  await push('alpha-private/app', 'v2', await makeImage({ layerSizes: [7000] }));
  await push('beta-secret/alpha-tool', 'v1', await makeImage({ layerSizes: [1100] }));
  const upload = await t.client.request('POST', '/v2/beta-secret/only-uploads/blobs/uploads/');
  assert.equal(upload.status, 202);
});
after(async () => t.close());

const names = (body: { project: { name: string }[]; repository: { repository_name: string }[] }) => ({
  projects: body.project.map((p) => p.name),
  repositories: body.repository.map((r) => r.repository_name),
});

describe('GET /search', () => {
  it('finds, for anonymous callers, only public projects and their repositories', async () => {
    const { status, body } = await harbor.call('GET', '/search?q=alpha', { auth: null });
    assert.equal(status, 200);
    assert.deepEqual(names(body), { projects: ['alpha-public'], repositories: ['alpha-public/app'] });
  });

  it('adds the private projects a user is a member of, never others', async () => {
    assert.deepEqual(names((await harbor.call('GET', '/search?q=alpha', { auth: ALICE })).body), {
      projects: ['alpha-private', 'alpha-public'],
      repositories: ['alpha-private/app', 'alpha-public/app'],
    });
    assert.deepEqual(names((await harbor.call('GET', '/search?q=alpha', { auth: BOB })).body), { projects: ['alpha-public'], repositories: ['alpha-public/app'] });
  });

  it('shows system administrators everything, but no repository without artifacts', async () => {
    assert.deepEqual(names((await harbor.call('GET', '/search?q=alpha')).body), {
      projects: ['alpha-private', 'alpha-public'],
      repositories: ['alpha-private/app', 'alpha-public/app', 'beta-secret/alpha-tool'],
    });
    assert.deepEqual(names((await harbor.call('GET', '/search?q=only-uploads')).body), { projects: [], repositories: [] });
  });

  it('describes each repository as Harbor does: project, publicity, artifact and pull counts', async () => {
    const { body } = await harbor.call('GET', '/search?q=private', { auth: ALICE });
    const [repository] = body.repository;
    const project = (await harbor.call('GET', '/projects/alpha-private', { auth: ALICE })).body;
    assert.deepEqual(repository, { project_id: project.project_id, project_name: 'alpha-private', project_public: false, repository_name: 'alpha-private/app', pull_count: 0, artifact_count: 2 });
    assert.equal(body.project[0].current_user_role_id, 2);
  });

  it('matches any part of a name, ignoring case, and takes wildcard characters literally', async () => {
    assert.deepEqual(names((await harbor.call('GET', '/search?q=PHA-PUB', { auth: null })).body).projects, ['alpha-public']);
    assert.deepEqual(names((await harbor.call('GET', '/search?q=%25')).body), { projects: [], repositories: [] });
    assert.deepEqual(names((await harbor.call('GET', '/search?q=_')).body), { projects: [], repositories: [] });
  });

  it('needs q', async () => {
    for (const query of ['', '?q=', '?q=%20']) {
      const response = await harbor.call('GET', `/search${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.body.errors[0].message, /^q: /);
    }
  });
});

describe('GET /statistics', () => {
  it('needs a login', async () => {
    assert.equal((await harbor.call('GET', '/statistics', { auth: null })).status, 401);
  });

  it('counts for a user every public project and the private ones they belong to, without totals or storage', async () => {
    const { body } = await harbor.call('GET', '/statistics', { auth: ALICE });
    // library (created public at install), alpha-public and empty-public; alpha-private.
    assert.deepEqual(body, {
      public_project_count: 3,
      public_repo_count: 1,
      private_project_count: 1,
      private_repo_count: 1,
      total_project_count: 0,
      total_repo_count: 0,
      total_storage_consumption: 0,
    });
    const bob = (await harbor.call('GET', '/statistics', { auth: BOB })).body;
    assert.equal(bob.private_project_count, 0);
    assert.equal(bob.private_repo_count, 0);
  });

  it('gives system administrators totals and the bytes stored, each blob counted once', async () => {
    const { body } = await harbor.call('GET', '/statistics');
    const blobs = new Map(pushed.flatMap((image) => [image.config, ...image.layers]).map((blob) => [blob.digest, blob.size]));
    assert.deepEqual(body, {
      public_project_count: 3,
      public_repo_count: 1,
      private_project_count: 2,
      private_repo_count: 2,
      total_project_count: 5,
      total_repo_count: 3,
      total_storage_consumption: [...blobs.values()].reduce((sum, size) => sum + size, 0),
    });
  });
});
