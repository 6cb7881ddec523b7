import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../fixtures/app-harness.ts';
import { LOCAL_USER, startLdapTestApp, type LdapTestApp } from '../fixtures/ldap-app.ts';
import { basic, type ApiCall } from '../fixtures/harbor-api.ts';
import { AMBIGUOUS_UID, groupDn, ldapSettingsFor, PEOPLE, READER, type Slapd } from '../fixtures/slapd.ts';
import { normalizeDn } from '../../src/auth/ldap/ldap-filter.ts';

let slapd: Slapd;
let t: TestApp;
let api: ApiCall;
const LOCAL = basic(LOCAL_USER.username, LOCAL_USER.password);

let ldap: LdapTestApp;
const configure = (changes: Record<string, unknown>) => ldap.configure(changes);

before(async () => {
  ldap = await startLdapTestApp();
  ({ slapd, t, api } = ldap);
});
after(async () => ldap?.close());

describe('POST /ldap/ping', () => {
  it('tests the saved settings when sent no body', async () => {
    const ping = await api('POST', '/ldap/ping');
    assert.equal(ping.status, 200);
    assert.equal(ping.body.success, true, ping.body.message);
  });

  it('tests unsaved settings, taking the saved search password for the saved server and account', async () => {
    const { ldap_search_password: _secret, ...withoutPassword } = ldapSettingsFor(slapd);
    const same = await api('POST', '/ldap/ping', { body: { ...withoutPassword, ldap_connection_timeout: 3 } });
    assert.equal(same.body.success, true, same.body.message);
    const wrong = await api('POST', '/ldap/ping', { body: { ldap_search_password: 'wrong' } });
    assert.equal(wrong.body.success, false);
    assert.match(wrong.body.message, /invalid credentials/);
  });

  it('does not send the saved search password to another server', async () => {
    // The same directory under another URL stands in for a server an administrator (or an intruder with their session) names.
    const elsewhere = { ldap_url: slapd.ldapsUrl, ldap_verify_cert: false };
    const withoutPassword = await api('POST', '/ldap/ping', { body: elsewhere });
    assert.equal(withoutPassword.body.success, false);
    assert.match(withoutPassword.body.message, /ldap_search_password is empty/);
    const withPassword = await api('POST', '/ldap/ping', { body: { ...elsewhere, ldap_search_password: READER.password } });
    assert.equal(withPassword.body.success, true, withPassword.body.message);
  });

  it('refuses unknown keys and invalid values with a 400 naming them', async () => {
    const unknown = await api('POST', '/ldap/ping', { body: { ldap_urll: slapd.url } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.errors[0].message, /ldap_urll/);
    const invalid = await api('POST', '/ldap/ping', { body: { ldap_scope: 7 } });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.errors[0].message, /ldap_scope/);
  });
});

describe('GET /ldap/users/search', () => {
  it('finds a user by login name with Harbor’s LdapUser fields, and lists everyone for no name', async () => {
    const alice = await api('GET', '/ldap/users/search?username=alice');
    assert.deepEqual(alice.body, [{ username: 'alice', realname: PEOPLE.alice.displayName, email: PEOPLE.alice.mail }]);
    const everyone = await api('GET', '/ldap/users/search');
    assert.ok(everyone.body.length >= Object.keys(PEOPLE).length);
    assert.deepEqual((await api('GET', '/ldap/users/search?username=nobody')).body, []);
  });

  it('answers 412 while LDAP is not the auth mode', async () => {
    await configure({ auth_mode: 'db_auth' });
    try {
      assert.equal((await api('GET', '/ldap/users/search?username=alice')).status, 412);
      assert.equal((await api('GET', '/ldap/groups/search?groupname=admins')).status, 412);
      assert.equal((await api('POST', '/ldap/users/import', { body: { ldap_uid_list: ['alice'] } })).status, 412);
    } finally {
      await configure({ auth_mode: 'ldap_auth' });
    }
  });

  it('answers 503 with the reason when the directory refuses the search account', async () => {
    await configure({ ldap_search_password: 'wrong' });
    try {
      const refused = await api('GET', '/ldap/users/search?username=alice');
      assert.equal(refused.status, 503);
      assert.match(refused.body.errors[0].message, /refused the bind as ldap_search_dn/);
    } finally {
      await configure({ ldap_search_password: READER.password });
    }
  });
});

describe('POST /ldap/users/import', () => {
  it('creates accounts for directory users before their first login, which that login then uses', async () => {
    const imported = await api('POST', '/ldap/users/import', { body: { ldap_uid_list: ['dave', 'CAROL'] } });
    assert.equal(imported.status, 200);
    const row = await t.db.selectFrom('userAccount').select(['id', 'authSource', 'externalId', 'email', 'sysadmin']).where('username', '=', 'dave').executeTakeFirstOrThrow();
    assert.deepEqual({ ...row, id: undefined }, { id: undefined, authSource: 'ldap', externalId: normalizeDn(PEOPLE.dave.dn), email: PEOPLE.dave.mail, sysadmin: false });
    assert.ok(await t.db.selectFrom('userAccount').select('id').where('username', '=', 'carol').executeTakeFirst(), 'imported under the directory’s spelling');
    const me = await api('GET', '/users/current', { auth: basic('dave', PEOPLE.dave.password) });
    assert.equal(me.body.user_id, Number(row.id));
    await t.flushBuffered();
    const audit = await t.db.selectFrom('auditLog').select(['eventType', 'username']).where('resource', '=', 'dave').execute();
    assert.deepEqual(audit, [{ eventType: 'create_user', username: 'admin' }]);
  });

  it('imports what it can and answers 404 with Harbor’s list of the uids it could not', async () => {
    // A local account holds the name erin, which the directory has too.
    assert.equal((await api('POST', '/users', { body: { username: 'erin', email: 'erin@local.test', password: 'Local-Erin-1' } })).status, 201);
    const response = await api('POST', '/ldap/users/import', { body: { ldap_uid_list: ['nobody', AMBIGUOUS_UID, 'dave', 'erin', 'jane', '*'] } });
    assert.equal(response.status, 404);
    const failed = Object.fromEntries(response.body.map((item: { uid: string; error: string }) => [item.uid, item.error]));
    assert.deepEqual(Object.keys(failed).sort(), ['*', 'dave', 'erin', 'nobody', AMBIGUOUS_UID].sort());
    assert.match(failed.erin, /already exists/);
    assert.match(failed.nobody, /not found/);
    assert.match(failed['*'], /not found/);
    assert.match(failed[AMBIGUOUS_UID], /more than one/);
    assert.match(failed.dave, /already exists/);
    assert.ok(await t.db.selectFrom('userAccount').select('id').where('username', '=', 'jane').executeTakeFirst(), 'jane was imported');
  });

  it('refuses an empty or malformed list with a 400', async () => {
    assert.equal((await api('POST', '/ldap/users/import', { body: { ldap_uid_list: [] } })).status, 400);
    assert.equal((await api('POST', '/ldap/users/import', { body: { ldap_uid_list: 'alice' } })).status, 400);
    assert.equal((await api('POST', '/ldap/users/import', { body: {} })).status, 400);
  });
});

describe('GET /ldap/groups/search', () => {
  it('finds groups by name or DN as Harbor’s UserGroup, and only groups', async () => {
    const developers = [{ group_name: 'developers', group_type: 1, ldap_group_dn: groupDn('developers') }];
    assert.deepEqual((await api('GET', '/ldap/groups/search?groupname=developers')).body, developers);
    assert.deepEqual((await api('GET', `/ldap/groups/search?groupdn=${encodeURIComponent('CN=Developers, OU=Groups, DC=berth, DC=test')}`)).body, developers);
    assert.deepEqual((await api('GET', '/ldap/groups/search?groupname=*')).body, []);
    assert.deepEqual((await api('GET', `/ldap/groups/search?groupdn=${encodeURIComponent(PEOPLE.alice.dn)}`)).body, []);
  });

  it('refuses a groupdn that is not a DN', async () => {
    const response = await api('GET', '/ldap/groups/search?groupdn=developers');
    assert.equal(response.status, 400);
    assert.match(response.body.errors[0].message, /groupdn/);
  });
});

describe('who may use /ldap', () => {
  const calls: [string, string, unknown?][] = [
    ['POST', '/ldap/ping'],
    ['GET', '/ldap/users/search?username=alice'],
    ['POST', '/ldap/users/import', { ldap_uid_list: ['bob'] }],
    ['GET', '/ldap/groups/search?groupname=admins'],
  ];

  it('refuses anonymous callers with 401 and users who are not system administrators with 403', async () => {
    for (const [method, path, body] of calls) {
      assert.equal((await api(method, path, { auth: null, body })).status, 401, `${method} ${path}`);
      assert.equal((await api(method, path, { auth: LOCAL, body })).status, 403, `${method} ${path} as a local user`);
      assert.equal((await api(method, path, { auth: basic('alice', PEOPLE.alice.password), body })).status, 403, `${method} ${path} as a directory user`);
    }
    assert.equal(await t.db.selectFrom('userAccount').select('id').where('username', '=', 'bob').executeTakeFirst(), undefined, 'nothing was imported');
  });
});
