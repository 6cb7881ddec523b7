import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi } from '../fixtures/harbor-api.ts';

let t: TestApp;
let harbor: HarborApi;

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
});
after(async () => t.close());

const api = (method: string, path: string, options: { auth?: string | null; body?: unknown } = {}) => harbor.call(method, path, options);
const createUser = (username: string, password?: string) => harbor.createUser(username, password);

describe('users API', () => {
  it('shows the signed-in user as Harbor’s UserResp, and 401 to anonymous callers', async () => {
    const me = await api('GET', '/users/current');
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'admin');
    assert.equal(me.body.sysadmin_flag, true);
    assert.equal((await api('GET', '/users/current', { auth: null })).status, 401);
    assert.equal((await api('GET', '/users/current', { auth: basic('admin', 'wrong') })).status, 401);
  });

  it('lets a system admin create users, who can then sign in; duplicates are 409', async () => {
    const id = await createUser('alice');
    const alice = await api('GET', '/users/current', { auth: basic('alice', 'Passw0rd-1') });
    assert.equal(alice.body.user_id, id);
    assert.equal(alice.body.sysadmin_flag, false);
    const duplicate = await api('POST', '/users', { body: { username: 'alice', email: 'other@example.com', password: 'Passw0rd-1' } });
    assert.equal(duplicate.status, 409);
    const sameEmail = await api('POST', '/users', { body: { username: 'alice2', email: 'ALICE@example.com', password: 'Passw0rd-1' } });
    assert.equal(sameEmail.status, 409);
  });

  it('enforces Harbor’s password policy and username rules with a clear 400', async () => {
    for (const password of ['short1A', 'alllowercase1', 'ALLUPPER1', 'NoDigitsHere']) {
      const response = await api('POST', '/users', { body: { username: `p${password.length}x`, email: `p${password}@example.com`, password } });
      assert.equal(response.status, 400, password);
      assert.match(response.body.errors[0].message, /upper-case/);
    }
    for (const username of ['bad,name', 'has space', 'per%cent', '']) {
      assert.equal((await api('POST', '/users', { body: { username, email: 'x@example.com', password: 'Passw0rd-1' } })).status, 400, username);
    }
    assert.equal((await api('POST', '/users', { body: { username: 'noemail', email: 'not-an-email', password: 'Passw0rd-1' } })).status, 400);
  });

  it('keeps user management to system admins: a user cannot create, list, promote or delete', async () => {
    await createUser('bob');
    const bob = basic('bob', 'Passw0rd-1');
    assert.equal((await api('POST', '/users', { auth: bob, body: { username: 'mallory', email: 'm@example.com', password: 'Passw0rd-1' } })).status, 403);
    assert.equal((await api('GET', '/users', { auth: bob })).status, 403);
    const bobId = (await api('GET', '/users/current', { auth: bob })).body.user_id;
    assert.equal((await api('PUT', `/users/${bobId}/sysadmin`, { auth: bob, body: { sysadmin_flag: true } })).status, 403);
    assert.equal((await api('GET', '/users/1', { auth: bob })).status, 403, 'other users’ profiles are private');
    assert.equal((await api('DELETE', `/users/${bobId}`, { auth: bob })).status, 403);
  });

  it('gives a new non-admin user no registry access until roles grant it', async () => {
    await createUser('newbie');
    await t.client.createProject('closed');
    const response = await fetch(`${t.url}/v2/closed/app/tags/list`, { headers: { authorization: basic('newbie', 'Passw0rd-1') } });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DENIED');
  });

  it('ignores an admin flag smuggled into self-service or creation requests', async () => {
    const id = await createUser('eve');
    const eve = basic('eve', 'Passw0rd-1');
    await api('PUT', `/users/${id}`, { auth: eve, body: { realname: 'Eve', sysadmin_flag: true } });
    await api('POST', '/users', { body: { username: 'sneaky', email: 'sneaky@example.com', password: 'Passw0rd-1', sysadmin_flag: true } });
    assert.equal((await api('GET', '/users/current', { auth: eve })).body.sysadmin_flag, false);
    assert.equal((await api('GET', '/users/current', { auth: basic('sneaky', 'Passw0rd-1') })).body.sysadmin_flag, false);
  });

  it('allows self-registration only when switched on, and a registration can never make an administrator', async () => {
    const body = { username: 'selfmade', email: 'selfmade@example.com', password: 'Passw0rd-1', sysadmin_flag: true };
    assert.equal((await api('POST', '/users', { auth: null, body })).status, 401);
    await t.settings.update({ self_registration: true });
    try {
      assert.equal((await api('POST', '/users', { auth: null, body })).status, 201);
      assert.equal((await api('GET', '/users/current', { auth: basic('selfmade', 'Passw0rd-1') })).body.sysadmin_flag, false);
      const robotLike = await api('POST', '/users', { auth: null, body: { ...body, username: 'robot_impostor', email: 'impostor@example.com' } });
      assert.equal(robotLike.status, 400);
      assert.match(robotLike.body.errors[0].message, /robot account prefix/);
    } finally {
      await t.settings.update({ self_registration: false });
    }
  });

  it('changes passwords: users prove the old one, admins reset others; the old password stops working', async () => {
    const id = await createUser('carol');
    const wrongOld = await api('PUT', `/users/${id}/password`, { auth: basic('carol', 'Passw0rd-1'), body: { old_password: 'nope', new_password: 'Newpassw0rd' } });
    assert.equal(wrongOld.status, 403);
    const same = await api('PUT', `/users/${id}/password`, { auth: basic('carol', 'Passw0rd-1'), body: { old_password: 'Passw0rd-1', new_password: 'Passw0rd-1' } });
    assert.equal(same.status, 400);
    assert.equal((await api('PUT', `/users/${id}/password`, { auth: basic('carol', 'Passw0rd-1'), body: { old_password: 'Passw0rd-1', new_password: 'Newpassw0rd' } })).status, 200);
    assert.equal((await api('GET', '/users/current', { auth: basic('carol', 'Passw0rd-1') })).status, 401);
    assert.equal((await api('PUT', `/users/${id}/password`, { body: { new_password: 'Resetpassw0rd' } })).status, 200);
    assert.equal((await api('GET', '/users/current', { auth: basic('carol', 'Resetpassw0rd') })).status, 200);
  });

  it('lists users with q, sort and paging, refusing filters on secrets', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) await createUser(name);
    const page = await api('GET', '/users?q=username%3D~list-&sort=-username&page=1&page_size=2');
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.map((u: { username: string }) => u.username), ['list-c', 'list-b']);
    assert.equal(page.headers.get('x-total-count'), '3');
    assert.match(page.headers.get('link') ?? '', /rel="next"/);
    assert.equal((await api('GET', '/users?q=password%3D~a')).status, 400);
    assert.equal((await api('GET', '/users?q=password_hash%3D~a')).status, 400);
    assert.equal((await api('GET', '/users?sort=password_hash')).status, 400);
    assert.equal((await api('GET', '/users?sort=username%3BDROP%20TABLE%20user_account')).status, 400);
    const search = await api('GET', '/users/search?username=list-b', { auth: basic('list-a', 'Passw0rd-1') });
    assert.deepEqual(search.body.map((u: { username: string }) => u.username), ['list-b']);
  });

  it('lets admins promote and delete users, but not themselves', async () => {
    const id = await createUser('dave');
    assert.equal((await api('PUT', `/users/${id}/sysadmin`, { body: { sysadmin_flag: true } })).status, 200);
    assert.equal((await api('GET', '/users/current', { auth: basic('dave', 'Passw0rd-1') })).body.sysadmin_flag, true);
    const adminId = (await api('GET', '/users/current')).body.user_id;
    assert.equal((await api('DELETE', `/users/${adminId}`)).status, 403);
    assert.equal((await api('PUT', `/users/${adminId}/sysadmin`, { body: { sysadmin_flag: false } })).status, 403);
    assert.equal((await api('DELETE', `/users/${id}`)).status, 200);
    assert.equal((await api('GET', `/users/${id}`)).status, 404);
    assert.equal((await api('GET', '/users/current', { auth: basic('dave', 'Passw0rd-1') })).status, 401);
    assert.equal((await api('GET', '/users/abc')).status, 400);
  });
});
