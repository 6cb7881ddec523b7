import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, harborApi, type ApiCall } from '../fixtures/harbor-api.ts';
import { BERTH_VERSION } from '../../src/version.ts';

const EXTERNAL_URL = 'https://registry.example.test';
const LDAP_SECRET = 'Ldap-Secret-Value-1';
const OIDC_SECRET = 'Oidc-Secret-Value-1';
let t: TestApp;
let api: ApiCall;
const PLAIN = basic('plain', 'Plain-Pass-1');

before(async () => {
  t = await startTestApp({ BERTH_EXTERNAL_URL: EXTERNAL_URL });
  api = harborApi(t.url);
  assert.equal((await api('POST', '/users', { body: { username: 'plain', email: 'plain@local.test', password: 'Plain-Pass-1' } })).status, 201);
});
after(async () => t?.close());

describe('GET /configurations', () => {
  it('shows every setting as Harbor’s {value, editable} item, defaults included', async () => {
    const response = await api('GET', '/configurations');
    assert.equal(response.status, 200);
    const config = response.body;
    assert.deepEqual(config.auth_mode, { value: 'db_auth', editable: true });
    assert.deepEqual(config.robot_name_prefix, { value: 'robot_', editable: true });
    assert.deepEqual(config.local_users_enabled, { value: true, editable: true });
    assert.deepEqual(config.ldap_uid, { value: 'cn', editable: true });
    assert.deepEqual(config.ldap_url, { value: '', editable: true });
    assert.deepEqual(config.oidc_extra_redirect_parms, { value: '{}', editable: true });
    for (const [key, item] of Object.entries(config)) assert.deepEqual(Object.keys(item as object).sort(), ['editable', 'value'], key);
  });

  it('never returns the LDAP and OIDC secrets, even once they are set', async () => {
    assert.equal((await api('PUT', '/configurations', { body: { ldap_search_password: LDAP_SECRET, oidc_client_secret: OIDC_SECRET } })).status, 200);
    const response = await api('GET', '/configurations');
    assert.ok(!('ldap_search_password' in response.body));
    assert.ok(!('oidc_client_secret' in response.body));
    const text = JSON.stringify(response.body);
    assert.ok(!text.includes(LDAP_SECRET) && !text.includes(OIDC_SECRET));
  });
});

describe('PUT /configurations', () => {
  it('changes settings and records which keys changed, never their values', async () => {
    const body = { self_registration: true, token_expiration: 45, ldap_search_password: 'Another-Secret-2' };
    assert.equal((await api('PUT', '/configurations', { body })).status, 200);
    const config = (await api('GET', '/configurations')).body;
    assert.equal(config.self_registration.value, true);
    assert.equal(config.token_expiration.value, 45);
    await t.flushBuffered();
    const audit = await t.db.selectFrom('auditLog').selectAll().where('eventType', '=', 'update_configuration').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(audit.username, 'admin');
    assert.equal(audit.operationDescription, 'changed self_registration, token_expiration, ldap_search_password');
    const everything = JSON.stringify(await t.db.selectFrom('auditLog').selectAll().execute());
    for (const secret of [LDAP_SECRET, OIDC_SECRET, 'Another-Secret-2']) assert.ok(!everything.includes(secret), 'no secret in the audit log');
  });

  it('refuses unknown keys with a 400 naming the key, changing nothing', async () => {
    for (const key of ['ldap_password', 'email_host', '__proto__x']) {
      const response = await api('PUT', '/configurations', { body: { token_expiration: 50, [key]: true } });
      assert.equal(response.status, 400, key);
      assert.match(response.body.errors[0].message, new RegExp(key));
    }
    assert.equal((await api('GET', '/configurations')).body.token_expiration.value, 45);
  });

  it('refuses invalid values with a 400 naming the key', async () => {
    const cases: [string, unknown][] = [
      ['auth_mode', 'uaa_auth'],
      ['token_expiration', 0],
      ['self_registration', 'yes'],
      ['robot_name_prefix', 'robot bot'],
      ['ldap_url', 'http://ldap.example.com'],
      ['ldap_filter', '(uid=a'],
      ['ldap_scope', 3],
      ['oidc_endpoint', 'http://idp.example.com'],
      ['disabled_audit_log_event_types', 'pull_artifact,drop_table'],
    ];
    for (const [key, value] of cases) {
      const response = await api('PUT', '/configurations', { body: { [key]: value } });
      assert.equal(response.status, 400, key);
      assert.match(response.body.errors[0].message, new RegExp(`^${key}`), key);
    }
  });

  it('checks the settings as a whole: LDAP needs its URL and base DN', async () => {
    const response = await api('PUT', '/configurations', { body: { auth_mode: 'ldap_auth' } });
    assert.equal(response.status, 400);
    assert.match(response.body.errors[0].message, /ldap_url/);
    assert.equal((await api('GET', '/configurations')).body.auth_mode.value, 'db_auth');
  });

  it('refuses a body that is not an object of keys', async () => {
    assert.equal((await api('PUT', '/configurations', { body: ['auth_mode'] })).status, 400);
  });
});

describe('GET /systeminfo', () => {
  it('tells anonymous callers what a login page needs, and not the version or URLs', async () => {
    const response = await api('GET', '/systeminfo', { auth: null });
    assert.equal(response.status, 200);
    assert.equal(response.body.auth_mode, 'db_auth');
    assert.equal(response.body.primary_auth_mode, false);
    assert.equal(response.body.self_registration, true);
    assert.ok(Math.abs(Date.parse(response.body.current_time) - Date.now()) < 60_000);
    for (const hidden of ['harbor_version', 'external_url', 'registry_url', 'project_creation_restriction']) assert.ok(!(hidden in response.body), hidden);
  });

  it('tells signed-in users the version, the registry address and the project creation policy', async () => {
    const response = await api('GET', '/systeminfo', { auth: PLAIN });
    assert.equal(response.body.harbor_version, BERTH_VERSION);
    assert.equal(response.body.external_url, EXTERNAL_URL);
    assert.equal(response.body.registry_url, 'registry.example.test');
    assert.equal(response.body.project_creation_restriction, 'everyone');
    assert.equal(response.body.registry_storage_provider_name, 'filesystem');
  });
});

describe('who may see and change the configuration', () => {
  it('refuses anonymous callers with 401 and users who are not system administrators with 403', async () => {
    for (const [method, body] of [['GET', undefined], ['PUT', { self_registration: false }]] as const) {
      assert.equal((await api(method, '/configurations', { auth: null, body })).status, 401, method);
      assert.equal((await api(method, '/configurations', { auth: PLAIN, body })).status, 403, method);
    }
    assert.equal((await api('GET', '/configurations')).body.self_registration.value, true);
  });
});
