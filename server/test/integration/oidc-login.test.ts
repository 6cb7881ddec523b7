import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/net/free-port.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { responseMismatches } from '../fixtures/openapi-contract.ts';
import { startOidcProvider, type OidcTestProvider, type OidcTestUser } from '../fixtures/oidc-provider.ts';
import { PortalBrowser, type BrowserRequest, type BrowserResponse } from '../fixtures/portal-browser.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';

const alice: OidcTestUser = { sub: 'u-alice', name: 'Alice Liddell', preferred_username: 'alice', email: 'alice@example.test', groups: ['berth-admins', 'developers'] };
const bob: OidcTestUser = { sub: 'u-bob', name: 'Bob Builder', preferred_username: 'bob', email: 'bob@example.test', groups: ['developers', 'ops'], groupsOnlyInUserinfo: true };
const carol: OidcTestUser = { sub: 'u-carol', preferred_username: 'carol', groups: [] };
const dave: OidcTestUser = { sub: 'u-dave', preferred_username: 'dave', email: 'dave@example.test', groups: ['ops'] };
const mallory: OidcTestUser = { sub: 'u-mallory', preferred_username: '"><script>alert(1)</script>', groups: [] };
let t: TestApp;
let idp: OidcTestProvider;

/** Through the app's own settings service, so the change takes effect at once. */
async function configure(changes: Record<string, unknown>): Promise<void> {
  await t.settings.update(changes);
}

before(async () => {
  t = await startTestApp();
  idp = await startOidcProvider({ users: [alice, bob, carol, dave, mallory], clients: [{ clientId: 'berth', redirectUri: `${t.url}/c/oidc/callback` }] });
  await configure({
    auth_mode: 'oidc_auth',
    oidc_name: 'Test IdP',
    oidc_endpoint: idp.issuer,
    oidc_client_id: idp.clientId,
    oidc_client_secret: idp.clientSecret,
    oidc_scope: 'openid,profile,email,groups,offline_access',
    oidc_groups_claim: 'groups',
    oidc_admin_group: 'berth-admins',
    oidc_user_claim: 'preferred_username',
    oidc_auto_onboard: true,
  });
});
after(async () => {
  await idp.stop();
  await t.close();
});

async function api(browser: PortalBrowser, method: string, path: string, options: BrowserRequest = {}): Promise<BrowserResponse> {
  const response = await browser.request(method, `/api/v2.0${path}`, options);
  assert.deepEqual(await responseMismatches(t.url, method, path, response), [], `${method} ${path} → ${response.status} ${response.text}`);
  return response;
}

async function signedIn(user: OidcTestUser): Promise<PortalBrowser> {
  const browser = new PortalBrowser(t.url);
  const callback = await browser.oidcLogin(idp, user.sub);
  assert.equal(callback.status, 302, callback.text);
  assert.ok(browser.cookie('sid'));
  return browser;
}

async function userRow(username: string) {
  return await t.db.selectFrom('userAccount').selectAll().where('username', '=', username).executeTakeFirst();
}

async function groupIds(names: string[]): Promise<string[]> {
  const rows = await t.db.selectFrom('userGroup').select('id').where('groupType', '=', 3).where('groupName', 'in', names).orderBy('id').execute();
  return rows.map((row) => row.id);
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

describe('OIDC sign-in with automatic onboarding', () => {
  it('creates the user with their groups and admin flag from the provider, starts a session and returns to the page asked for', async () => {
    const browser = new PortalBrowser(t.url);
    const callback = await browser.oidcLogin(idp, 'alice', '/harbor/projects?tab=all');
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.get('location'), '/harbor/projects?tab=all');
    assert.ok(browser.cookie('sid'), 'a session cookie');
    assert.equal(browser.cookie('berth_oidc'), undefined, 'the sign-in’s state cookie is cleared');

    const user = (await userRow('alice'))!;
    assert.equal(user.authSource, 'oidc');
    assert.equal(user.externalId, `${idp.issuer}|u-alice`);
    assert.equal(user.passwordHash, null);
    assert.equal(user.email, 'alice@example.test');
    assert.equal(user.sysadmin, true, 'member of oidc_admin_group');
    assert.equal(user.adminRoleInAuth, true);
    assert.deepEqual(user.groupIds, await groupIds(['berth-admins', 'developers']));
    assert.equal(user.groupIds.length, 2, 'one OIDC user_group row per group in the claim');

    const me = await api(browser, 'GET', '/users/current');
    assert.equal(me.status, 200);
    assert.equal(me.body.username, 'alice');
    assert.equal(me.body.sysadmin_flag, true);
    assert.equal(me.body.admin_role_in_auth, true);
    assert.deepEqual(Object.keys(me.body.oidc_user_meta).sort(), ['creation_time', 'subiss', 'update_time', 'user_id']);
    assert.equal(me.body.oidc_user_meta.subiss, `u-alice${idp.issuer}`);
    assert.equal(me.body.oidc_user_meta.user_id, me.body.user_id);

    await t.flushBuffered();
    const audit = await t.db.selectFrom('auditLog').select(['eventType', 'resource', 'operationDescription']).where('username', '=', 'alice').orderBy('id').execute();
    assert.deepEqual(
      audit.map((row) => `${row.eventType} ${row.resource} ${row.operationDescription}`),
      ['create_user alice onboarded through OIDC', 'create_user_group berth-admins OIDC group', 'create_user_group developers OIDC group', 'update_user alice sysadmin_flag=true (OIDC admin group)', 'login_user alice '],
    );
  });

  it('takes groups from userinfo when the ID token carries none, reusing existing group rows', async () => {
    await signedIn(bob);
    const user = (await userRow('bob'))!;
    assert.deepEqual(user.groupIds, await groupIds(['developers', 'ops']));
    assert.ok(user.groupIds.includes((await groupIds(['developers']))[0]!), 'the developers group alice brought is shared');
    assert.equal(user.sysadmin, false);
  });

  it('brings groups and the admin flag up to date at every sign-in, keeping an admin flag granted by hand', async () => {
    const original = alice.groups;
    try {
      alice.groups = ['developers'];
      await signedIn(alice);
      let user = (await userRow('alice'))!;
      assert.deepEqual(user.groupIds, await groupIds(['developers']));
      assert.equal(user.sysadmin, false, 'no longer in the admin group');
      assert.equal(user.adminRoleInAuth, false);

      assert.equal((await fetch(`${t.url}/api/v2.0/users/${user.id}/sysadmin`, { method: 'PUT', headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' }, body: '{"sysadmin_flag":true}' })).status, 200);
      await signedIn(alice);
      user = (await userRow('alice'))!;
      assert.equal(user.sysadmin, true, 'granted by an administrator, not by the group');
      assert.equal(user.adminRoleInAuth, false);
      assert.equal((await fetch(`${t.url}/api/v2.0/users/${user.id}/sysadmin`, { method: 'PUT', headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' }, body: '{"sysadmin_flag":false}' })).status, 200);
    } finally {
      alice.groups = original;
    }
    await signedIn(alice);
    assert.equal((await userRow('alice'))!.sysadmin, true);
  });

  it('never redirects off-site after sign-in, whatever redirect_url says', async () => {
    const attacks = ['//evil.example', 'https://evil.example', '/\\evil', '/\\/evil.example', '\\\\evil.example', '/\t/evil.example', 'javascript:alert(1)', 'evil.example', '', '/%2F/evil.example/..'];
    for (const target of attacks) {
      const browser = new PortalBrowser(t.url);
      const callback = await browser.oidcLogin(idp, 'bob', target);
      assert.equal(callback.status, 302, target);
      const location = callback.headers.get('location')!;
      assert.ok(location === '/' || (target === '/%2F/evil.example/..' && location === target), `${JSON.stringify(target)} → ${location}`);
      assert.equal(new URL(location, t.url).origin, t.url, `${JSON.stringify(target)} stays on Berth`);
    }
  });

  it('refuses a callback in a browser that did not start the sign-in (login CSRF), and a replayed callback', async () => {
    const attacker = new PortalBrowser(t.url);
    const start = await attacker.request('GET', '/c/oidc/login');
    const callbackUrl = await idp.login(start.headers.get('location')!, 'bob');

    const victim = new PortalBrowser(t.url);
    const forced = await victim.request('GET', callbackUrl);
    assert.equal(forced.status, 401);
    assert.equal(victim.cookie('sid'), undefined);

    assert.equal((await attacker.request('GET', callbackUrl)).status, 302, 'the browser that started it signs in');
    const replay = new PortalBrowser(t.url);
    replay.setCookie('berth_oidc', attacker.cookie('berth_oidc') ?? new URL(callbackUrl).searchParams.get('state')!, '/c/oidc');
    assert.equal((await replay.request('GET', callbackUrl)).status, 401, 'each sign-in is used once');
  });

  it('refuses to onboard a user whose name is taken, saying what to change', async () => {
    const created = await fetch(`${t.url}/api/v2.0/users`, { method: 'POST', headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', email: 'carol@example.com', password: 'Passw0rd-1' }) });
    assert.equal(created.status, 201);
    const browser = new PortalBrowser(t.url);
    const callback = await browser.oidcLogin(idp, 'carol');
    assert.equal(callback.status, 409);
    assert.match(callback.body.errors[0].message, /"carol" from the OIDC provider is already taken.*oidc_user_claim/);
    assert.equal(browser.cookie('sid'), undefined);
    assert.equal((await userRow('carol'))!.authSource, 'db', 'the local user is untouched');
  });
});

describe('OIDC users and the CLI secret', () => {
  it('lets an OIDC user set a CLI secret through the session, then use it with Basic auth instead of a password', async () => {
    const browser = await signedIn(bob);
    const me = (await api(browser, 'GET', '/users/current')).body;
    const weak = await api(browser, 'PUT', `/users/${me.user_id}/cli_secret`, { json: { secret: 'weakpass' } });
    assert.equal(weak.status, 400);
    assert.match(weak.body.errors[0].message, /secret must be 8 to 128/);
    const set = await api(browser, 'PUT', `/users/${me.user_id}/cli_secret`, { json: { secret: 'Cli-Secret-42' } });
    assert.equal(set.status, 200);

    const viaBasic = await fetch(`${t.url}/api/v2.0/users/current`, { headers: { authorization: basic('bob', 'Cli-Secret-42') } });
    assert.equal(viaBasic.status, 200);
    const body = await viaBasic.text();
    assert.equal(JSON.parse(body).username, 'bob');
    assert.doesNotMatch(body, /Cli-Secret-42|secret"/, 'the secret is never shown');
    assert.equal((await t.db.selectFrom('userAccount').select('cliSecretHash').where('username', '=', 'bob').executeTakeFirstOrThrow()).cliSecretHash?.startsWith('scrypt$'), true);
  });

  it('generates a secret when none is given, shown once; the previous secret stops working at once', async () => {
    const browser = await signedIn(bob);
    const id = (await api(browser, 'GET', '/users/current')).body.user_id;
    assert.equal((await fetch(`${t.url}/api/v2.0/users/current`, { headers: { authorization: basic('bob', 'Cli-Secret-42') } })).status, 200);
    // Harbor documents no body for this answer; the generated secret is Berth's addition, so the contract check is skipped here.
    const generated = await browser.request('PUT', `/api/v2.0/users/${id}/cli_secret`, { json: {} });
    assert.equal(generated.status, 200);
    const secret: string = generated.body.secret;
    assert.match(secret, /[A-Z]/);
    assert.ok(secret.length >= 8 && /[a-z]/.test(secret) && /\d/.test(secret));
    assert.equal((await fetch(`${t.url}/api/v2.0/users/current`, { headers: { authorization: basic('bob', secret) } })).status, 200);
    assert.equal((await fetch(`${t.url}/api/v2.0/users/current`, { headers: { authorization: basic('bob', 'Cli-Secret-42') } })).status, 401, 'the credential cache forgot the old secret');
  });

  it('keeps CLI secrets to OIDC users, set by themselves or a system administrator', async () => {
    const bobBrowser = await signedIn(bob);
    const aliceId = (await userRow('alice'))!.id;
    assert.equal((await api(bobBrowser, 'PUT', `/users/${aliceId}/cli_secret`, { json: { secret: 'Cli-Secret-42' } })).status, 403);
    const admin = new PortalBrowser(t.url);
    const adminId = (await userRow('admin'))!.id;
    const local = await api(admin, 'PUT', `/users/${adminId}/cli_secret`, { json: { secret: 'Cli-Secret-42' }, headers: { authorization: ADMIN_AUTH } });
    assert.equal(local.status, 412);
    assert.equal((await api(admin, 'PUT', `/users/${aliceId}/cli_secret`, { json: { secret: 'Alice-Secret-7' }, headers: { authorization: ADMIN_AUTH } })).status, 200);
    assert.equal((await fetch(`${t.url}/api/v2.0/users/current`, { headers: { authorization: basic('alice', 'Alice-Secret-7') } })).status, 200);
  });

  it('does not let the CLI secret sign in to the portal: OIDC users sign in at their provider', async () => {
    const login = await new PortalBrowser(t.url).login('alice', 'Alice-Secret-7');
    assert.equal(login.status, 401);
    assert.equal(login.body.errors[0].message, 'invalid username or password');
  });
});

describe('POST /api/v2.0/system/oidc/ping', () => {
  it('reports whether the provider can be discovered, to system administrators only', async () => {
    const admin = new PortalBrowser(t.url);
    const auth = { authorization: ADMIN_AUTH };
    assert.equal((await api(admin, 'POST', '/system/oidc/ping', { json: { url: idp.issuer, verify_cert: true }, headers: auth })).status, 200);
    const down = await api(admin, 'POST', '/system/oidc/ping', { json: { url: `http://127.0.0.1:${await freePort()}` }, headers: auth });
    assert.equal(down.status, 400);
    assert.match(down.body.errors[0].message, /could not be verified/);
    const plainHttp = await api(admin, 'POST', '/system/oidc/ping', { json: { url: 'http://idp.example' }, headers: auth });
    assert.equal(plainHttp.status, 400);
    assert.match(plainHttp.body.errors[0].message, /^url: expected an https/);

    const bobBrowser = await signedIn(bob);
    assert.equal((await api(bobBrowser, 'POST', '/system/oidc/ping', { json: { url: idp.issuer } })).status, 403);
    assert.equal((await api(new PortalBrowser(t.url), 'POST', '/system/oidc/ping', { json: { url: idp.issuer } })).status, 401);
  });
});

describe('OIDC onboarding form (oidc_auto_onboard off)', () => {
  before(async () => configure({ oidc_auto_onboard: false }));

  it('lets a new user choose their username on a form, keeping their identity server-side until then', async () => {
    const browser = new PortalBrowser(t.url);
    const callback = await browser.oidcLogin(idp, 'dave', '/harbor/projects');
    assert.equal(callback.status, 302);
    assert.equal(callback.headers.get('location'), '/c/oidc/onboard');
    assert.equal(browser.cookie('sid'), undefined, 'no session before onboarding');
    assert.equal(await userRow('dave'), undefined, 'no user before onboarding');
    const pending = await t.db.selectFrom('oidcLogin').select(['state', 'identity']).where('identity', 'is not', null).execute();
    assert.deepEqual(pending.map((row) => row.state), [browser.cookie('berth_oidc')], 'the browser holds only the key to the pending sign-in');
    assert.equal(pending[0]!.identity!.subject, 'u-dave');

    const form = await browser.request('GET', '/c/oidc/onboard');
    assert.equal(form.status, 200);
    assert.match(form.headers.get('content-type')!, /^text\/html/);
    assert.match(form.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.match(form.text, /<input name="username" value="dave"/);

    const stranger = new PortalBrowser(t.url);
    assert.equal((await stranger.request('GET', '/c/oidc/onboard')).status, 401);
    assert.equal((await stranger.request('POST', '/c/oidc/onboard', { form: { username: 'stolen' } })).status, 401);

    const taken = await browser.request('POST', '/c/oidc/onboard', { form: { username: 'admin' } });
    assert.equal(taken.status, 409);
    assert.match(taken.text, /role="alert">the username &#34;admin&#34; is already taken/);
    const invalid = await browser.request('POST', '/c/oidc/onboard', { json: { username: 'has space' } });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.errors[0].message, /not valid/);

    const done = await browser.request('POST', '/c/oidc/onboard', { form: { username: 'dave-the-dev' } });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/harbor/projects');
    assert.ok(browser.cookie('sid'));
    const user = (await userRow('dave-the-dev'))!;
    assert.equal(user.externalId, `${idp.issuer}|u-dave`);
    assert.deepEqual(user.groupIds, await groupIds(['ops']));
    assert.equal((await api(browser, 'GET', '/users/current')).body.username, 'dave-the-dev');
    assert.equal((await browser.request('GET', '/c/oidc/onboard')).status, 401, 'the pending sign-in is used up');

    const again = await new PortalBrowser(t.url).oidcLogin(idp, 'dave', '/next');
    assert.equal(again.headers.get('location'), '/next', 'known users sign in directly');
  });

  it('escapes what the provider says on the onboarding page', async () => {
    const browser = new PortalBrowser(t.url);
    assert.equal((await browser.oidcLogin(idp, 'u-mallory')).headers.get('location'), '/c/oidc/onboard');
    const form = await browser.request('GET', '/c/oidc/onboard');
    assert.doesNotMatch(form.text, /<script>/);
    assert.match(form.text, /value="&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;"/);
  });
});

describe('with the provider unreachable', () => {
  before(async () => configure({ oidc_endpoint: `http://127.0.0.1:${await freePort()}` }));

  it('answers 503 with a message for the user, keeping the details for the log', async () => {
    const start = await new PortalBrowser(t.url).request('GET', '/c/oidc/login');
    assert.equal(start.status, 503);
    assert.equal(start.body.errors[0].code, 'SERVICE_UNAVAILABLE');
    assert.match(start.body.errors[0].message, /please tell an administrator/);
    assert.doesNotMatch(start.body.errors[0].message, /127\.0\.0\.1|ECONNREFUSED/);
  });
});

describe('with OIDC not enabled', () => {
  before(async () => configure({ auth_mode: 'db_auth' }));

  it('refuses OIDC sign-ins and CLI secrets with 412', async () => {
    const browser = new PortalBrowser(t.url);
    const start = await browser.request('GET', '/c/oidc/login');
    assert.equal(start.status, 412);
    const bobId = (await userRow('bob'))!.id;
    const secret = await api(browser, 'PUT', `/users/${bobId}/cli_secret`, { json: { secret: 'Cli-Secret-43' }, headers: { authorization: ADMIN_AUTH } });
    assert.equal(secret.status, 412);
  });
});
