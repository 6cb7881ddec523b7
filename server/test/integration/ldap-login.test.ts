import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../fixtures/app-harness.ts';
import { startLdapTestApp, type LdapTestApp } from '../fixtures/ldap-app.ts';
import { basic, type ApiCall } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { DEEP_USER, groupDn, PEOPLE, type Slapd } from '../fixtures/slapd.ts';
import { freePort } from '../../src/net/free-port.ts';
import { normalizeDn } from '../../src/auth/ldap/ldap-filter.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

let slapd: Slapd;
let t: TestApp;
let api: ApiCall;

const as = (name: keyof typeof PEOPLE) => basic('uid' in PEOPLE[name] ? (PEOPLE[name] as { uid: string }).uid : name, PEOPLE[name].password);

async function createLocalUser(username: string, password: string): Promise<void> {
  const created = await api('POST', '/users', { body: { username, email: `${username}@local.test`, realname: username, password } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

let ldap: LdapTestApp;
const configure = (changes: Record<string, unknown>) => ldap.configure(changes);

before(async () => {
  ldap = await startLdapTestApp();
  ({ slapd, t, api } = ldap);
});
after(async () => ldap?.close());

describe('logging in with LDAP credentials', () => {
  it('onboards a directory user at their first login, with e-mail and real name from the directory and no local password', async () => {
    const me = await api('GET', '/users/current', { auth: as('alice') });
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'alice');
    assert.equal(me.body.email, PEOPLE.alice.mail);
    assert.equal(me.body.realname, PEOPLE.alice.displayName);
    assert.equal(me.body.sysadmin_flag, false);
    const row = await t.db.selectFrom('userAccount').selectAll().where('username', '=', 'alice').executeTakeFirstOrThrow();
    assert.equal(row.authSource, 'ldap');
    assert.equal(row.externalId, normalizeDn(PEOPLE.alice.dn));
    assert.equal(row.passwordHash, null);
    // A second login finds the same account.
    assert.equal((await api('GET', '/users/current', { auth: basic('ALICE', PEOPLE.alice.password) })).body.user_id, me.body.user_id);
  });

  it('creates one account when a new user’s first logins arrive at once', async () => {
    // Differently cased names are separate credentials to the login cache, so each one asks the directory.
    const logins = await Promise.all(['carol', 'CAROL', 'Carol', 'caROL'].map((name) => api('GET', '/users/current', { auth: basic(name, PEOPLE.carol.password) })));
    assert.deepEqual(logins.map((login) => login.status), [200, 200, 200, 200]);
    assert.equal(new Set(logins.map((login) => login.body.user_id)).size, 1);
    const rows = await t.db.selectFrom('userAccount').select('id').where('externalId', '=', normalizeDn(PEOPLE.carol.dn)).execute();
    assert.equal(rows.length, 1);
  });

  it('refuses a wrong password and an unknown user, creating no account', async () => {
    assert.equal((await api('GET', '/users/current', { auth: basic('alice', 'Wrong-Pass-1') })).status, 401);
    assert.equal((await api('GET', '/users/current', { auth: basic('mallory', PEOPLE.alice.password) })).status, 401);
    assert.equal(await t.db.selectFrom('userAccount').select('id').where('username', '=', 'mallory').executeTakeFirst(), undefined);
  });

  it('keeps local users working while local_users_enabled is on, refuses them when off, and always lets the admin in', async () => {
    await createLocalUser('localdev', 'Local-Pass-1');
    assert.equal((await api('GET', '/users/current', { auth: basic('localdev', 'Local-Pass-1') })).status, 200);
    await configure({ local_users_enabled: false });
    try {
      assert.equal((await api('GET', '/users/current', { auth: basic('localdev', 'Local-Pass-1') })).status, 401);
      assert.equal((await api('GET', '/users/current')).status, 200, 'the first admin still logs in');
      assert.equal((await api('GET', '/users/current', { auth: as('alice') })).status, 200, 'directory users still log in');
    } finally {
      await configure({ local_users_enabled: true });
    }
    assert.equal((await api('GET', '/users/current', { auth: basic('localdev', 'Local-Pass-1') })).status, 200);
  });

  it('lets a local account win over a directory user of the same name', async () => {
    await createLocalUser('dave', 'Local-Dave-1');
    assert.equal((await api('GET', '/users/current', { auth: as('dave') })).status, 401, 'the directory password does not open the local account');
    const local = await api('GET', '/users/current', { auth: basic('dave', 'Local-Dave-1') });
    assert.equal(local.status, 200);
    assert.equal(local.body.email, 'dave@local.test');
    const row = await t.db.selectFrom('userAccount').select(['authSource', 'externalId']).where('username', '=', 'dave').executeTakeFirstOrThrow();
    assert.deepEqual(row, { authSource: 'db', externalId: null });
  });

  it('stops LDAP logins when auth_mode leaves ldap_auth', async () => {
    await configure({ auth_mode: 'db_auth' });
    try {
      assert.equal((await api('GET', '/users/current', { auth: as('alice') })).status, 401);
    } finally {
      await configure({ auth_mode: 'ldap_auth' });
    }
    assert.equal((await api('GET', '/users/current', { auth: as('alice') })).status, 200);
  });

  it('refuses LDAP logins without failing the request when the directory is unreachable; local users are unaffected', async () => {
    await configure({ ldap_url: `ldap://127.0.0.1:${await freePort()}` });
    try {
      const refused = await api('GET', '/users/current', { auth: as('alice') });
      assert.equal(refused.status, 401);
      assert.equal((await api('GET', '/users/current', { auth: basic('localdev', 'Local-Pass-1') })).status, 200);
    } finally {
      await configure({ ldap_url: slapd.url });
    }
  });

  it('does not onboard a directory user whose name starts with the robot account prefix', async () => {
    await configure({ robot_name_prefix: 'ja' });
    try {
      assert.equal((await api('GET', '/users/current', { auth: as('jane') })).status, 401);
      assert.equal(await t.db.selectFrom('userAccount').select('id').where('username', '=', 'jane').executeTakeFirst(), undefined);
    } finally {
      await configure({ robot_name_prefix: 'robot_' });
    }
  });
});

describe('LDAP filter injection', () => {
  const attempts = ['*', 'a*', 'admin)(|(uid=*', '*)(objectClass=*', 'alice)(|(uid=*', '*)(uid=*))(|(uid=*', 'alice)(&'];

  for (const attempt of attempts) {
    it(`the username ${JSON.stringify(attempt)} neither logs in nor matches other entries`, async () => {
      for (const password of [PEOPLE.alice.password, PEOPLE.bob.password]) {
        assert.equal((await api('GET', '/users/current', { auth: basic(attempt, password) })).status, 401);
      }
      const search = await api('GET', `/ldap/users/search?username=${encodeURIComponent(attempt)}`);
      assert.equal(search.status, 200);
      assert.deepEqual(search.body, []);
      assert.equal(await t.db.selectFrom('userAccount').select('id').where('username', '=', attempt).executeTakeFirst(), undefined);
    });
  }
});

describe('LDAP groups and project roles', () => {
  let projectId: string;

  before(async () => {
    await t.client.createProject('ldap-team');
    projectId = (await t.db.selectFrom('project').select('id').where('name', '=', 'ldap-team').executeTakeFirstOrThrow()).id;
    // staff ⊃ engineering ⊃ developers ∋ jane: only the outermost group is imported and made a member.
    const created = await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('staff') } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const groupId = created.headers.get('location')!.split('/').pop()!;
    await t.db.insertInto('projectMember').values({ projectId, entityType: 'g', userId: null, groupId, role: ROLE_IDS.developer }).execute();
  });

  it('gives a member of an imported group, through nested groups, the group’s role: a developer pushes', async () => {
    const project = await api('GET', '/projects/ldap-team', { auth: as('jane') });
    assert.equal(project.status, 200);
    assert.equal(project.body.current_user_role_id, ROLE_IDS.developer);
    const row = await t.db.selectFrom('userAccount').select('groupIds').where('username', '=', 'jane').executeTakeFirstOrThrow();
    assert.equal(row.groupIds.length, 1, 'only imported groups are remembered');

    const image = await makeImage({ layerSizes: [512] });
    await new RegistryClient(t.url, as('jane')).pushImage('ldap-team/app', 'v1', image);
    const pulled = await new RegistryClient(t.url, as('jane')).request('GET', '/v2/ldap-team/app/manifests/v1', { headers: { accept: image.manifest.mediaType } });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), image.manifest.digest);
  });

  it('gives a directory user outside the group nothing: the private project stays invisible', async () => {
    const erin = basic(DEEP_USER.uid, DEEP_USER.password);
    assert.equal((await api('GET', '/projects/ldap-team', { auth: erin })).status, 404);
    const push = await new RegistryClient(t.url, erin).request('GET', '/v2/ldap-team/app/tags/list');
    assert.equal(push.status, 403);
  });
});

describe('the LDAP admin group', () => {
  it('makes its members system administrators, directly or through a nested group, granted by the directory', async () => {
    for (const name of ['bob', 'carol'] as const) {
      const me = await api('GET', '/users/current', { auth: as(name) });
      assert.equal(me.body.sysadmin_flag, true, name);
      assert.equal(me.body.admin_role_in_auth, true, name);
    }
    assert.equal((await api('GET', '/configurations', { auth: as('bob') })).status, 200);
  });

  it('takes the flag back when the user is no longer in the admin group, but keeps one an administrator gave', async () => {
    const erin = basic(DEEP_USER.uid, DEEP_USER.password);
    const erinId = (await api('GET', '/users/current', { auth: erin })).body.user_id;
    assert.equal((await api('PUT', `/users/${erinId}/sysadmin`, { body: { sysadmin_flag: true } })).status, 200);

    // ops is inside admins: making ops the admin group leaves bob out and keeps carol in.
    await configure({ ldap_group_admin_dn: groupDn('ops') });
    try {
      const bob = await api('GET', '/users/current', { auth: as('bob') });
      assert.equal(bob.body.sysadmin_flag, false);
      assert.equal(bob.body.admin_role_in_auth, false);
      assert.equal((await api('GET', '/configurations', { auth: as('bob') })).status, 403);
      assert.equal((await api('GET', '/users/current', { auth: as('carol') })).body.sysadmin_flag, true);
      const erinNow = await api('GET', '/users/current', { auth: erin });
      assert.equal(erinNow.body.sysadmin_flag, true, 'a flag set by an administrator is not the directory’s to take');
      assert.equal(erinNow.body.admin_role_in_auth, false);
      await t.flushBuffered();
      const audit = await t.db.selectFrom('auditLog').select(['eventType', 'operationDescription']).where('resource', '=', 'bob').orderBy('id').execute();
      assert.deepEqual(audit.map((entry) => entry.operationDescription), ['first LDAP login', 'sysadmin_flag=false (LDAP admin group)']);
    } finally {
      await configure({ ldap_group_admin_dn: groupDn('admins') });
    }
  });
});
