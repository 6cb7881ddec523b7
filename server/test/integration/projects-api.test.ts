import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';

let t: TestApp;
let harbor: HarborApi;
const alice = basic('alice', TEST_PASSWORD);
const bob = basic('bob', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createUser('alice');
  await harbor.createUser('bob');
});
after(async () => t.close());

describe('projects API', () => {
  it('has the public project library, owned by the first admin', async () => {
    const library = await harbor.call('GET', '/projects/library', { auth: null, headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(library.status, 200);
    assert.equal(library.body.name, 'library');
    assert.equal(library.body.metadata.public, 'true');
    assert.equal(library.body.owner_name, 'admin');
  });

  it('makes the first system administrator the project admin member of library, as Harbor does', async () => {
    const library = await harbor.call('GET', '/projects/library', { headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(library.status, 200);
    assert.equal(library.body.current_user_role_id, 1);
    assert.deepEqual(library.body.current_user_role_ids, [1]);
    const members = await harbor.call('GET', '/projects/library/members', { headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(members.status, 200);
    assert.deepEqual(
      members.body.map((m: { entity_name: string; entity_type: string; role_id: number }) => [m.entity_name, m.entity_type, m.role_id]),
      [['admin', 'u', 1]],
    );
  });

  it('lets a user create a project they then administer; names are unique and validated', async () => {
    const created = await harbor.call('POST', '/projects', { auth: alice, body: { project_name: 'alice-team', metadata: { public: 'false' } } });
    assert.equal(created.status, 201);
    const id = created.headers.get('location')!.split('/').pop();
    const project = await harbor.call('GET', `/projects/${id}`, { auth: alice });
    assert.equal(project.body.owner_name, 'alice');
    assert.equal(project.body.current_user_role_id, 1);
    assert.deepEqual(project.body.current_user_role_ids, [1]);
    assert.equal((await harbor.call('POST', '/projects', { auth: bob, body: { project_name: 'alice-team' } })).status, 409);
    for (const bad of ['Upper', 'has space', '-lead', 'a..b', '']) {
      const response = await harbor.call('POST', '/projects', { auth: alice, body: { project_name: bad } });
      assert.equal(response.status, 400, bad);
      assert.match(response.body.errors[0].message, /project_name/);
    }
    assert.equal((await harbor.call('POST', '/projects', { auth: null, body: { project_name: 'anon' } })).status, 401);
  });

  it('hides private projects from outsiders exactly as if they did not exist', async () => {
    await harbor.createProject('secret');
    for (const auth of [null, bob]) {
      for (const path of ['/projects/secret', '/projects/no-such-project', '/projects/secret/summary', '/projects/no-such-project/summary', '/projects/secret/members']) {
        const response = await harbor.call('GET', path, { auth, headers: { 'X-Is-Resource-Name': 'true' } });
        assert.equal(response.status, 404, `${path} as ${auth ? 'bob' : 'anonymous'}`);
        assert.match(response.body.errors[0].message, /not found/);
      }
    }
    const id = (await harbor.call('GET', '/projects/secret', { headers: { 'X-Is-Resource-Name': 'true' } })).body.project_id;
    assert.equal((await harbor.call('GET', `/projects/${id}`, { auth: bob })).status, 404);
    assert.equal((await harbor.call('GET', `/projects/999999`, { auth: bob })).status, 404);
  });

  it('lists only the projects a caller may see, with paging headers and allow-listed filters', async () => {
    await harbor.createProject('open-one', { public: true });
    const anonymous = await harbor.call('GET', '/projects?page_size=100', { auth: null });
    const names = anonymous.body.map((p: { name: string }) => p.name);
    assert.ok(names.includes('library') && names.includes('open-one'));
    assert.ok(!names.includes('secret') && !names.includes('alice-team'));
    const mine = (await harbor.call('GET', '/projects?page_size=100', { auth: alice })).body.map((p: { name: string }) => p.name);
    assert.ok(mine.includes('alice-team') && !mine.includes('secret'));
    const all = await harbor.call('GET', '/projects?page=1&page_size=2&sort=name');
    assert.equal(all.body.length, 2);
    assert.equal(all.headers.get('x-total-count'), '4');
    assert.match(all.headers.get('link') ?? '', /rel="next"/);
    assert.deepEqual(all.body.map((p: { name: string }) => p.name), ['alice-team', 'library']);
    const filtered = await harbor.call('GET', '/projects?name=open&public=true');
    assert.deepEqual(filtered.body.map((p: { name: string }) => p.name), ['open-one']);
    const injected = await harbor.call('GET', `/projects?q=${encodeURIComponent(`name=~"x'; DROP TABLE project;--"`)}`);
    assert.deepEqual([injected.status, injected.body], [200, []]);
    assert.equal((await harbor.call('GET', `/projects?q=${encodeURIComponent("name=~x'; DROP")}`)).status, 400);
    assert.equal((await harbor.call('GET', '/projects?sort=name%3BDROP%20TABLE%20project')).status, 400);
    assert.equal((await harbor.call('GET', '/projects?q=metadata%3D~x')).status, 400);
  });

  it('answers HEAD /projects for a name to signed-in users only', async () => {
    assert.equal((await fetch(`${t.url}/api/v2.0/projects?project_name=secret`, { method: 'HEAD', headers: { authorization: alice } })).status, 200);
    assert.equal((await fetch(`${t.url}/api/v2.0/projects?project_name=nothing`, { method: 'HEAD', headers: { authorization: alice } })).status, 404);
    assert.equal((await fetch(`${t.url}/api/v2.0/projects?project_name=secret`, { method: 'HEAD' })).status, 401);
  });

  it('respects project_creation_restriction: adminonly leaves creation to system admins', async () => {
    await t.settings.update({ project_creation_restriction: 'adminonly' });
    try {
      assert.equal((await harbor.call('POST', '/projects', { auth: alice, body: { project_name: 'not-allowed' } })).status, 403);
      assert.equal((await harbor.call('POST', '/projects', { body: { project_name: 'admin-made' } })).status, 201);
    } finally {
      await t.settings.update({ project_creation_restriction: 'everyone' });
    }
  });

  it('refuses to turn on an image policy Berth does not enforce yet (400 naming the key), and accepts it off', async () => {
    const policies = ['enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'auto_scan', 'auto_sbom_generation'];
    const refused = (response: { status: number; body: any }, where: string) => {
      assert.equal(response.status, 400, where);
      assert.equal(response.body.errors[0].code, 'BAD_REQUEST', where);
      assert.match(response.body.errors[0].message, new RegExp(`${where.split(' ').pop()}: not supported yet`), where);
    };
    // Off, as Harbor's clients and Terraform send them by default (booleans too), is accepted everywhere.
    const off = Object.fromEntries(policies.map((key) => [key, 'false']));
    const created = await harbor.call('POST', '/projects', { body: { project_name: 'policies', metadata: { ...off, severity: 'low' } } });
    assert.equal(created.status, 201);
    const id = Number(created.headers.get('location')!.split('/').pop());
    assert.equal((await harbor.call('PUT', `/projects/${id}`, { body: { metadata: { auto_scan: false, prevent_vul: 'false' } } })).status, 200);
    assert.equal((await harbor.call('POST', `/projects/${id}/metadatas/`, { body: { enable_content_trust: 'false' } })).status, 200);
    assert.equal((await harbor.call('PUT', `/projects/${id}/metadatas/auto_scan`, { body: { auto_scan: 'false' } })).status, 200);
    for (const key of policies) {
      refused(await harbor.call('POST', '/projects', { body: { project_name: `on-${key.replaceAll('_', '-')}`, metadata: { [key]: 'true' } } }), `POST /projects metadata.${key}`);
      refused(await harbor.call('PUT', `/projects/${id}`, { body: { metadata: { [key]: true } } }), `PUT /projects/{id} metadata.${key}`);
      refused(await harbor.call('POST', `/projects/${id}/metadatas/`, { body: { [key]: 'true' } }), `POST metadatas ${key}`);
      refused(await harbor.call('PUT', `/projects/${id}/metadatas/${key}`, { body: { [key]: 'true' } }), `PUT metadatas ${key}`);
    }
    assert.equal((await harbor.call('GET', '/projects?name=on-auto-scan')).body.length, 0);
    const metadata = (await harbor.call('GET', `/projects/${id}/metadatas/`)).body;
    for (const key of policies) assert.equal(metadata[key], 'false', key);
  });

  it('keeps Harbor metadata as strings, validates keys and values, and toggles public', async () => {
    const id = await harbor.createProject('meta');
    assert.deepEqual((await harbor.call('GET', `/projects/${id}/metadatas/`)).body, { public: 'false' });
    assert.equal((await harbor.call('POST', `/projects/${id}/metadatas/`, { body: { auto_scan: 'false', severity: 'high' } })).status, 200);
    assert.deepEqual((await harbor.call('GET', `/projects/${id}/metadatas/severity`)).body, { severity: 'high' });
    assert.equal((await harbor.call('PUT', `/projects/${id}/metadatas/severity`, { body: { severity: 'critical' } })).status, 200);
    assert.equal((await harbor.call('PUT', `/projects/${id}/metadatas/severity`, { body: { severity: 'apocalyptic' } })).status, 400);
    assert.equal((await harbor.call('POST', `/projects/${id}/metadatas/`, { body: { password: 'x' } })).status, 400);
    assert.equal((await harbor.call('DELETE', `/projects/${id}/metadatas/auto_scan`)).status, 200);
    assert.equal((await harbor.call('GET', `/projects/${id}/metadatas/auto_scan`)).status, 404);
    assert.equal((await harbor.call('PUT', `/projects/${id}`, { body: { metadata: { public: 'true' } } })).status, 200);
    assert.equal((await harbor.call('GET', `/projects/${id}`, { auth: null })).status, 200);
    assert.equal((await harbor.call('PUT', `/projects/${id}`, { body: { project_name: 'renamed' } })).status, 400);
  });

  it('counts only repositories holding artifacts, and deletes only projects without any, members going along', async () => {
    const id = await harbor.createProject('full');
    await harbor.addMember(id, 'bob', 2);
    await t.client.pushImage('full/app', 'v1', await makeImage({ layerSizes: [8] }));
    assert.deepEqual((await harbor.call('GET', `/projects/${id}/_deletable`)).body, { deletable: false, message: 'the project contains 1 repository' });
    const refused = await harbor.call('DELETE', `/projects/${id}`);
    assert.equal(refused.status, 412);
    assert.equal(refused.body.errors[0].message, 'the project contains 1 repository; delete it first');
    const summary = await harbor.call('GET', `/projects/${id}/summary`);
    assert.equal(summary.body.repo_count, 1);
    assert.equal(summary.body.developer_count, 1);
    assert.equal(summary.body.project_admin_count, 1);
    assert.equal((await harbor.call('GET', `/projects/${id}`)).body.repo_count, 1);
    assert.deepEqual((await harbor.call('GET', '/projects?name=full')).body.map((p: { name: string; repo_count: number }) => [p.name, p.repo_count]), [['full', 1]]);

    const emptyId = await harbor.createProject('empty');
    const blob = (await makeImage({ layerSizes: [4] })).layers[0]!;
    await t.client.pushBlob('empty/only-blobs', blob); // a repository without artifacts does not count
    assert.equal((await harbor.call('GET', `/projects/${emptyId}`)).body.repo_count, 0);
    assert.equal((await harbor.call('GET', `/projects/${emptyId}/_deletable`)).body.deletable, true);
    assert.equal((await harbor.call('DELETE', `/projects/${emptyId}`)).status, 200);
    assert.equal((await harbor.call('GET', `/projects/${emptyId}`)).status, 404);
  });
});

describe('project members API', () => {
  it('adds, lists, changes and removes members with Harbor role ids', async () => {
    const id = await harbor.createProject('crew');
    const memberId = await harbor.addMember(id, 'alice', 3);
    const list = await harbor.call('GET', `/projects/${id}/members?entityname=ali`);
    assert.deepEqual(
      list.body.map((m: { entity_name: string; role_name: string; role_id: number; entity_type: string }) => [m.entity_name, m.role_name, m.role_id, m.entity_type]),
      [['alice', 'guest', 3, 'u']],
    );
    assert.equal(list.headers.get('x-total-count'), '1');
    assert.equal((await harbor.call('POST', `/projects/${id}/members`, { body: { role_id: 2, member_user: { username: 'alice' } } })).status, 409);
    assert.equal((await harbor.call('POST', `/projects/${id}/members`, { body: { role_id: 9, member_user: { username: 'bob' } } })).status, 400);
    assert.equal((await harbor.call('POST', `/projects/${id}/members`, { body: { role_id: 2, member_user: { username: 'nobody' } } })).status, 404);
    assert.equal((await harbor.call('PUT', `/projects/${id}/members/${memberId}`, { body: { role_id: 4 } })).status, 200);
    assert.equal((await harbor.call('GET', `/projects/${id}/members/${memberId}`)).body.role_name, 'maintainer');
    // A maintainer sees members but cannot manage them.
    assert.equal((await harbor.call('GET', `/projects/${id}/members`, { auth: alice })).status, 200);
    assert.equal((await harbor.call('POST', `/projects/${id}/members`, { auth: alice, body: { role_id: 1, member_user: { username: 'bob' } } })).status, 403);
    assert.equal((await harbor.call('PUT', `/projects/${id}/members/${memberId}`, { auth: alice, body: { role_id: 1 } })).status, 403);
    assert.equal((await harbor.call('DELETE', `/projects/${id}/members/${memberId}`)).status, 200);
    assert.equal((await harbor.call('GET', `/projects/${id}/members/${memberId}`)).status, 404);
  });

  it('refuses member ids of another project and changes to one’s own membership', async () => {
    const a = await harbor.createProject('first', { auth: alice });
    const b = await harbor.createProject('second', { auth: bob });
    const bobsMember = (await harbor.call('GET', `/projects/${b}/members`, { auth: bob })).body[0].id;
    for (const [method, body] of [['GET'], ['PUT', { role_id: 3 }], ['DELETE']] as const) {
      const response = await harbor.call(method, `/projects/${a}/members/${bobsMember}`, { auth: alice, ...(body && { body }) });
      assert.equal(response.status, 404, method);
    }
    const ownMember = (await harbor.call('GET', `/projects/${a}/members`, { auth: alice })).body[0].id;
    assert.equal((await harbor.call('PUT', `/projects/${a}/members/${ownMember}`, { auth: alice, body: { role_id: 3 } })).status, 403);
    assert.equal((await harbor.call('DELETE', `/projects/${a}/members/${ownMember}`, { auth: alice })).status, 403);
  });
});
