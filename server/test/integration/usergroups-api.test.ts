import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../fixtures/app-harness.ts';
import { LOCAL_USER, startLdapTestApp, type LdapTestApp } from '../fixtures/ldap-app.ts';
import { basic, type ApiCall } from '../fixtures/harbor-api.ts';
import { groupDn, PEOPLE } from '../fixtures/slapd.ts';
import { normalizeDn } from '../../src/auth/ldap/ldap-filter.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

let t: TestApp;
let api: ApiCall;
const PLAIN = basic(LOCAL_USER.username, LOCAL_USER.password);
const ALICE = basic('alice', PEOPLE.alice.password);

async function createGroup(body: Record<string, unknown>): Promise<number> {
  const created = await api('POST', '/usergroups', { body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const location = created.headers.get('location')!;
  assert.match(location, /^\/api\/v2\.0\/usergroups\/\d+$/);
  return Number(location.split('/').pop());
}

let ldap: LdapTestApp;
const configure = (changes: Record<string, unknown>) => ldap.configure(changes);

before(async () => {
  ldap = await startLdapTestApp();
  ({ t, api } = ldap);
});
after(async () => ldap?.close());

describe('creating user groups', () => {
  it('imports an LDAP group by DN, naming it from the directory and storing the DN in one canonical spelling', async () => {
    const id = await createGroup({ group_type: 1, ldap_group_dn: 'CN=Developers, OU=Groups, DC=berth, DC=test' });
    const group = await api('GET', `/usergroups/${id}`);
    assert.deepEqual(group.body, { id, group_name: 'developers', group_type: 1, ldap_group_dn: normalizeDn(groupDn('developers')) });
    await t.flushBuffered();
    const audit = await t.db.selectFrom('auditLog').select(['eventType', 'resource', 'username']).where('eventType', '=', 'create_user_group').execute();
    assert.deepEqual(audit, [{ eventType: 'create_user_group', resource: 'developers', username: 'admin' }]);
  });

  it('keeps a given name for an LDAP group', async () => {
    const id = await createGroup({ group_type: 1, group_name: 'Operations', ldap_group_dn: groupDn('ops') });
    assert.equal((await api('GET', `/usergroups/${id}`)).body.group_name, 'Operations');
  });

  it('answers 409 for an LDAP group imported twice, however its DN is spelt', async () => {
    const again = await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('developers') } });
    assert.equal(again.status, 409);
  });

  it('refuses an LDAP group the directory does not have, and a DN that is not one', async () => {
    const missing = await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('nope') } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.errors[0].message, /ldap_group_dn/);
    const person = await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: PEOPLE.alice.dn } });
    assert.equal(person.status, 400, 'a user entry is not a group');
    for (const body of [{ group_type: 1, ldap_group_dn: 'developers' }, { group_type: 1 }, { group_type: 1, ldap_group_dn: '*' }]) {
      assert.equal((await api('POST', '/usergroups', { body })).status, 400, JSON.stringify(body));
    }
  });

  it('takes an LDAP group on trust, with a name, while LDAP is not the auth mode', async () => {
    await configure({ auth_mode: 'db_auth' });
    try {
      assert.equal((await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('elsewhere') } })).status, 400, 'a name is required');
      const id = await createGroup({ group_type: 1, group_name: 'elsewhere', ldap_group_dn: groupDn('elsewhere') });
      assert.equal((await api('GET', `/usergroups/${id}`)).body.ldap_group_dn, normalizeDn(groupDn('elsewhere')));
    } finally {
      await configure({ auth_mode: 'ldap_auth' });
    }
  });

  it('creates OIDC groups by name, once', async () => {
    const id = await createGroup({ group_type: 3, group_name: 'platform-team' });
    assert.deepEqual((await api('GET', `/usergroups/${id}`)).body, { id, group_name: 'platform-team', group_type: 3, ldap_group_dn: '' });
    assert.equal((await api('POST', '/usergroups', { body: { group_type: 3, group_name: 'platform-team' } })).status, 409);
    assert.equal((await api('POST', '/usergroups', { body: { group_type: 3 } })).status, 400);
    assert.equal((await api('POST', '/usergroups', { body: { group_type: 3, group_name: 'x', ldap_group_dn: groupDn('ops') } })).status, 400);
  });

  it('refuses HTTP (auth proxy) groups and unknown types', async () => {
    assert.equal((await api('POST', '/usergroups', { body: { group_type: 2, group_name: 'proxy' } })).status, 400);
    assert.equal((await api('POST', '/usergroups', { body: { group_type: 9, group_name: 'x' } })).status, 400);
  });
});

describe('listing and searching user groups', () => {
  it('lists with paging and filters by fuzzy name or by DN in any spelling', async () => {
    const page = await api('GET', '/usergroups?page=1&page_size=2');
    assert.equal(page.body.length, 2);
    assert.equal(Number(page.headers.get('x-total-count')), 4);
    assert.match(page.headers.get('link') ?? '', /rel="next"/);
    assert.deepEqual((await api('GET', '/usergroups?group_name=velop')).body.map((g: { group_name: string }) => g.group_name), ['developers']);
    const byDn = await api('GET', `/usergroups?ldap_group_dn=${encodeURIComponent('cn=DEVELOPERS,ou=groups,dc=berth,dc=test')}`);
    assert.deepEqual(byDn.body.map((g: { group_name: string }) => g.group_name), ['developers']);
    assert.deepEqual((await api('GET', '/usergroups?ldap_group_dn=not-a-dn')).body, []);
  });

  it('lets any signed-in user search groups by name, without their DNs', async () => {
    const found = await api('GET', '/usergroups/search?groupname=dev', { auth: ALICE });
    assert.equal(found.status, 200);
    assert.equal(found.body.length, 1);
    assert.deepEqual(Object.keys(found.body[0]).sort(), ['group_name', 'group_type', 'id']);
    assert.equal((await api('GET', '/usergroups/search?groupname=dev', { auth: PLAIN })).status, 200);
    assert.equal((await api('GET', '/usergroups/search', { auth: PLAIN })).status, 400, 'groupname is required');
    assert.equal((await api('GET', '/usergroups/search?groupname=dev', { auth: null })).status, 401);
  });
});

describe('changing and deleting user groups', () => {
  it('renames a group, and only renames', async () => {
    const id = await createGroup({ group_type: 3, group_name: 'to-rename' });
    assert.equal((await api('PUT', `/usergroups/${id}`, { body: { group_name: 'renamed', group_type: 3 } })).status, 200);
    assert.equal((await api('GET', `/usergroups/${id}`)).body.group_name, 'renamed');
    assert.equal((await api('PUT', `/usergroups/${id}`, { body: { group_name: 'x', group_type: 1 } })).status, 400);
    assert.equal((await api('PUT', `/usergroups/${id}`, { body: { group_name: '' } })).status, 400);
    assert.equal((await api('PUT', `/usergroups/${id}`, { body: { group_name: 'platform-team' } })).status, 409);
    assert.equal((await api('PUT', '/usergroups/999999', { body: { group_name: 'x' } })).status, 404);
    await t.flushBuffered();
    const audit = await t.db.selectFrom('auditLog').select('operationDescription').where('eventType', '=', 'update_user_group').execute();
    assert.deepEqual(audit, [{ operationDescription: 'renamed from to-rename' }]);
  });

  it('deletes a group with its project memberships, so its members lose the role it gave', async () => {
    const id = await createGroup({ group_type: 1, ldap_group_dn: groupDn('staff') });
    await t.client.createProject('staff-only');
    const project = await t.db.selectFrom('project').select('id').where('name', '=', 'staff-only').executeTakeFirstOrThrow();
    await t.db.insertInto('projectMember').values({ projectId: project.id, entityType: 'g', userId: null, groupId: String(id), role: ROLE_IDS.guest }).execute();
    const jane = basic('jane', PEOPLE.jane.password);
    assert.equal((await api('GET', '/projects/staff-only', { auth: jane })).status, 200);

    assert.equal((await api('DELETE', `/usergroups/${id}`)).status, 200);
    assert.equal((await api('GET', `/usergroups/${id}`)).status, 404);
    assert.equal((await api('DELETE', `/usergroups/${id}`)).status, 404);
    const row = await t.db.selectFrom('userAccount').select('groupIds').where('username', '=', 'jane').executeTakeFirstOrThrow();
    assert.ok(!row.groupIds.includes(String(id)), 'the deleted group is forgotten in its users’ rows');
    assert.equal((await api('GET', '/projects/staff-only', { auth: jane })).status, 404);
    await t.flushBuffered();
    assert.equal((await t.db.selectFrom('auditLog').select('resource').where('eventType', '=', 'delete_user_group').executeTakeFirstOrThrow()).resource, 'staff');
  });
});

describe('who may manage user groups', () => {
  it('refuses anonymous callers with 401 and users who are not system administrators with 403', async () => {
    const id = (await api('GET', '/usergroups?group_name=developers')).body[0].id;
    const calls: [string, string, unknown?][] = [
      ['GET', '/usergroups'],
      ['POST', '/usergroups', { group_type: 3, group_name: 'sneaky' }],
      ['GET', `/usergroups/${id}`],
      ['PUT', `/usergroups/${id}`, { group_name: 'hijacked' }],
      ['DELETE', `/usergroups/${id}`],
    ];
    for (const [method, path, body] of calls) {
      assert.equal((await api(method, path, { auth: null, body })).status, 401, `${method} ${path}`);
      for (const auth of [PLAIN, ALICE]) assert.equal((await api(method, path, { auth, body })).status, 403, `${method} ${path}`);
    }
    assert.equal((await api('GET', `/usergroups/${id}`)).body.group_name, 'developers');
  });
});

describe('user groups as project members', () => {
  const members = (project: string) => `/projects/${project}/members`;
  const byName = { 'X-Is-Resource-Name': 'true' };

  it('lets a project administrator add an LDAP group by DN, importing it from the directory as Harbor does', async () => {
    assert.equal((await api('POST', '/projects', { auth: PLAIN, body: { project_name: 'group-members' } })).status, 201);
    // Not imported yet, and spelt differently from the directory.
    const added = await api('POST', members('group-members'), { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.developer, member_group: { ldap_group_dn: 'CN=Engineering, OU=Groups, DC=berth, DC=test' } } });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const group = (await api('GET', `/usergroups?ldap_group_dn=${encodeURIComponent(groupDn('engineering'))}`)).body[0];
    assert.deepEqual([group.group_name, group.ldap_group_dn], ['engineering', normalizeDn(groupDn('engineering'))]);
    await t.flushBuffered();
    const imported = await t.db.selectFrom('auditLog').select('username').where('eventType', '=', 'create_user_group').where('resource', '=', 'engineering').execute();
    assert.deepEqual(imported, [{ username: LOCAL_USER.username }]);
    const listed = await api('GET', members('group-members'), { auth: PLAIN, headers: byName });
    const member = listed.body.find((m: { entity_name: string }) => m.entity_name === 'engineering');
    assert.deepEqual([member.entity_type, member.entity_id, member.role_id], ['g', group.id, ROLE_IDS.developer]);
    // josé is in developers, which is in engineering: the group's role reaches him at his (first) login.
    assert.equal((await api('GET', '/projects/group-members', { auth: basic('josé', PEOPLE.jose.password) })).status, 200);
    const again = await api('POST', members('group-members'), { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.guest, member_group: { ldap_group_dn: groupDn('engineering') } } });
    assert.equal(again.status, 409);
  });

  it('adds groups Berth knows by id or by name and type, changes their role and removes them', async () => {
    const developers = (await api('GET', '/usergroups?group_name=developers')).body[0];
    const byId = await api('POST', members('group-members'), { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.guest, member_group: { id: developers.id } } });
    assert.equal(byId.status, 201, JSON.stringify(byId.body));
    const platform = await api('POST', members('group-members'), { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.maintainer, member_group: { group_name: 'platform-team', group_type: 3 } } });
    assert.equal(platform.status, 201, JSON.stringify(platform.body));
    const memberId = platform.headers.get('location')!.split('/').pop();
    assert.equal((await api('PUT', `${members('group-members')}/${memberId}`, { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.developer } })).status, 200);
    const changed = await api('GET', `${members('group-members')}/${memberId}`, { auth: PLAIN, headers: byName });
    assert.deepEqual([changed.body.entity_name, changed.body.entity_type, changed.body.role_name], ['platform-team', 'g', 'developer']);
    assert.equal((await api('DELETE', `${members('group-members')}/${memberId}`, { auth: PLAIN, headers: byName })).status, 200);
    const names = (await api('GET', members('group-members'), { auth: PLAIN, headers: byName })).body.map((m: { entity_name: string }) => m.entity_name).sort();
    assert.deepEqual(names, ['developers', 'engineering', LOCAL_USER.username]);
  });

  it('refuses groups that do not exist, DNs the directory does not have, and imports while LDAP is off', async () => {
    const add = (member_group: Record<string, unknown>) => api('POST', members('group-members'), { auth: PLAIN, headers: byName, body: { role_id: ROLE_IDS.guest, member_group } });
    assert.equal((await add({ id: 999_999 })).status, 404);
    assert.equal((await add({ group_name: 'no-such-group' })).status, 404);
    assert.equal((await add({ ldap_group_dn: groupDn('nope') })).status, 400);
    assert.equal((await add({ ldap_group_dn: 'developers' })).status, 400);
    assert.equal((await add({})).status, 400);
    await configure({ auth_mode: 'db_auth' });
    try {
      const unknown = await add({ ldap_group_dn: groupDn('admins') });
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.errors[0].message, /LDAP is not the auth mode/);
      // A group already imported needs no directory.
      assert.equal((await add({ ldap_group_dn: groupDn('ops') })).status, 201);
    } finally {
      await configure({ auth_mode: 'ldap_auth' });
    }
    assert.equal((await api('GET', `/usergroups?ldap_group_dn=${encodeURIComponent(groupDn('admins'))}`)).body.length, 0);
  });
});
