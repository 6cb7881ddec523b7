import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { hashPassword } from '../../src/auth/password.ts';
import type { BerthConfig } from '../../src/config/config.ts';
import { createDatabase, type Db } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { TEST_ADMIN_PASSWORD } from '../fixtures/berth-process.ts';
import { responseMismatches } from '../fixtures/openapi-contract.ts';
import { PortalBrowser, type BrowserRequest, type BrowserResponse } from '../fixtures/portal-browser.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';

let t: TestApp;
/** A second replica: its own app and connection pool on the same database and storage. */
let replica: { url: string; close(): Promise<void> };

async function startReplica(config: BerthConfig): Promise<{ url: string; db: Db; app: FastifyInstance; close(): Promise<void> }> {
  const db = createDatabase(config.database.url!, 4);
  const { app } = await buildApp({ config, db, storage: new FilesystemDriver({ rootDirectory: t.storageRoot }), log: createLogger('warn') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { url, db, app, close: async () => (await app.close(), await db.destroy()) };
}

before(async () => {
  t = await startTestApp();
  replica = await startReplica(t.config);
  const created = await fetch(`${t.url}/api/v2.0/users`, {
    method: 'POST',
    headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'walter', email: 'walter@example.com', password: 'Passw0rd-1' }),
  });
  assert.equal(created.status, 201);
});
after(async () => {
  await replica.close();
  await t.close();
});

/** An API call from the browser, checked against Berth's API document. */
async function api(browser: PortalBrowser, method: string, path: string, options: BrowserRequest = {}): Promise<BrowserResponse> {
  const response = await browser.request(method, `/api/v2.0${path}`, options);
  assert.deepEqual(await responseMismatches(t.url, method, path, response), [], `${method} ${path} → ${response.status} ${response.text}`);
  return response;
}

async function signedIn(principal = 'admin', password = TEST_ADMIN_PASSWORD, url = t.url): Promise<PortalBrowser> {
  const browser = new PortalBrowser(url);
  const login = await browser.login(principal, password);
  assert.equal(login.status, 200, login.text);
  return browser;
}

async function sessionRows(): Promise<number> {
  return Number((await t.db.selectFrom('session').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
}

async function auditEvents(eventType: string, resource: string) {
  await t.flushBuffered();
  return await t.db.selectFrom('auditLog').select(['username', 'operationResult', 'operationDescription']).where('eventType', '=', eventType).where('resource', '=', resource).orderBy('id').execute();
}

describe('portal sign-in', () => {
  it('signs in with the portal’s form post; the sid cookie is HttpOnly, SameSite=Lax, Path=/ and only its hash is stored', async () => {
    const browser = new PortalBrowser(t.url);
    const login = await browser.login('admin', TEST_ADMIN_PASSWORD);
    assert.equal(login.status, 200);
    const sid = browser.cookie('sid');
    assert.match(sid ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(browser.cookieAttributes('sid')?.split('; '), ['Path=/', 'HttpOnly', 'SameSite=Lax'], 'no Secure flag over plain http');
    const stored = await t.db.selectFrom('session').select(['idHash', 'csrfToken', sql<number>`extract(epoch from expires_at - now())`.as('seconds')]).execute();
    assert.ok(stored.every((row) => row.idHash !== sid), 'the cookie value itself is not in the database');
    const mine = stored.find((row) => row.csrfToken === login.headers.get('x-harbor-csrf-token'));
    assert.ok(mine, 'the login answer carries the session’s CSRF token');
    assert.ok(Number(mine.seconds) > 59 * 60 && Number(mine.seconds) <= 60 * 60, 'expires after session_timeout (60 minutes)');
    assert.equal((await auditEvents('login_user', 'admin')).at(-1)?.operationResult, true);
  });

  it('takes JSON login bodies as well', async () => {
    const browser = new PortalBrowser(t.url);
    const login = await browser.request('POST', '/c/login', { json: { principal: 'walter', password: 'Passw0rd-1' } });
    assert.equal(login.status, 200);
    assert.equal((await api(browser, 'GET', '/users/current')).body.username, 'walter');
  });

  it('GET /users/current answers the session’s user, with the CSRF token in the header, on any replica', async () => {
    const browser = await signedIn('walter', 'Passw0rd-1');
    const here = await api(browser, 'GET', '/users/current');
    assert.equal(here.status, 200);
    assert.equal(here.body.username, 'walter');
    assert.equal(here.body.sysadmin_flag, false);
    const token = here.headers.get('x-harbor-csrf-token');
    assert.ok(token && token === browser.csrfToken);

    const there = await browser.request('GET', `${replica.url}/api/v2.0/users/current`);
    assert.equal(there.status, 200, 'the other replica knows the session from the shared database');
    assert.equal(there.body.username, 'walter');
    assert.equal(there.headers.get('x-harbor-csrf-token'), token);
  });

  it('signing out on one replica ends the session on every replica, clears the cookie and is audited', async () => {
    const browser = await signedIn('walter', 'Passw0rd-1');
    const sid = browser.cookie('sid')!;
    const before = await sessionRows();
    const out = await browser.request('GET', `${replica.url}/c/log_out`);
    assert.equal(out.status, 200);
    assert.match(out.headers.get('set-cookie') ?? '', /^sid=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/);
    assert.equal(browser.cookie('sid'), undefined);
    assert.equal(await sessionRows(), before - 1);
    assert.equal((await auditEvents('logout_user', 'walter')).length, 1);

    // The old cookie, replayed (say, by someone who copied it), no longer authenticates anywhere.
    browser.setCookie('sid', sid);
    assert.equal((await api(browser, 'GET', '/users/current')).status, 401);
    assert.equal((await browser.request('GET', `${replica.url}/api/v2.0/users/current`)).status, 401);
  });

  it('refuses a wrong password and an unknown user alike (same status, message and cost) and audits both without the password', async () => {
    const secret = 'Wr0ng-but-secret-pass';
    const attempt = async (principal: string) => {
      const started = performance.now();
      const response = await new PortalBrowser(t.url).login(principal, secret);
      return { response, ms: performance.now() - started };
    };
    const known: number[] = [];
    const unknown: number[] = [];
    let messages = new Set<string>();
    for (let i = 0; i < 3; i++) {
      for (const [name, times] of [['walter', known], ['nobody-here', unknown]] as const) {
        const { response, ms } = await attempt(name);
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('set-cookie'), null);
        messages.add(response.body.errors[0].message);
        times.push(ms);
      }
    }
    assert.deepEqual([...messages], ['invalid username or password']);
    const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
    // Both cost one memory-hard hash; an unknown name answered without one would be many times faster.
    assert.ok(median(unknown) > median(known) / 3, `unknown user ${median(unknown).toFixed(0)} ms vs wrong password ${median(known).toFixed(0)} ms`);

    for (const name of ['walter', 'nobody-here']) {
      const failures = (await auditEvents('login_user', name)).filter((row) => !row.operationResult);
      assert.equal(failures.length, 3, name);
    }
    await t.flushBuffered();
    const leaked = await t.db.selectFrom('auditLog').select('id').where(sql<boolean>`row_to_json(audit_log)::text LIKE ${`%${secret}%`}`).execute();
    assert.deepEqual(leaked, [], 'no audit row holds the password');
  });

  it('refuses empty and oversized credentials with a 400 naming the field', async () => {
    const browser = new PortalBrowser(t.url);
    const missing = await browser.request('POST', '/c/login', { form: { principal: 'admin' } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.errors[0].message, /^password/);
    const long = await browser.request('POST', '/c/login', { json: { principal: 'x'.repeat(256), password: 'p' } });
    assert.equal(long.status, 400);
    assert.match(long.body.errors[0].message, /^principal/);
  });

  it('does not let robot accounts sign in to the portal', async () => {
    const secret = 'Robot-Secret-123';
    await t.db.insertInto('robot').values({ name: 'robot_portal', secretHash: await hashPassword(secret), level: 'system', projectId: null, duration: -1 }).execute();
    const login = await new PortalBrowser(t.url).login('robot_portal', secret);
    assert.equal(login.status, 401);
    assert.equal(login.headers.get('set-cookie'), null);
  });

  it('refuses a login form another site made the browser post (login CSRF)', async () => {
    const login = await new PortalBrowser(t.url).request('POST', '/c/login', { form: { principal: 'walter', password: 'Passw0rd-1' }, headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(login.status, 403);
    assert.equal(login.headers.get('set-cookie'), null);
  });
});

describe('session fixation', () => {
  it('never adopts a session id the browser sends to /c/login, and ends the session the browser had before', async () => {
    const planted = 'A'.repeat(43);
    const victim = new PortalBrowser(t.url);
    victim.setCookie('sid', planted);
    assert.equal((await victim.login('walter', 'Passw0rd-1')).status, 200);
    assert.notEqual(victim.cookie('sid'), planted);
    const attacker = new PortalBrowser(t.url);
    attacker.setCookie('sid', planted);
    assert.equal((await api(attacker, 'GET', '/users/current')).status, 401, 'the planted id grants nothing');

    const previous = victim.cookie('sid')!;
    assert.equal((await victim.login('walter', 'Passw0rd-1')).status, 200);
    assert.notEqual(victim.cookie('sid'), previous);
    const stale = new PortalBrowser(t.url);
    stale.setCookie('sid', previous);
    assert.equal((await api(stale, 'GET', '/users/current')).status, 401, 'signing in again ends the earlier session');
  });
});

describe('session expiry', () => {
  it('treats an expired session as anonymous and deletes it', async () => {
    const browser = await signedIn('walter', 'Passw0rd-1');
    const token = browser.csrfToken!;
    await t.db.updateTable('session').set({ expiresAt: sql<Date>`now() - interval '1 second'` }).where('csrfToken', '=', token).execute();
    const response = await api(browser, 'GET', '/users/current');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-harbor-csrf-token'), null);
    assert.equal((await t.db.selectFrom('session').select('idHash').where('csrfToken', '=', token).execute()).length, 0, 'deleted on sight');
  });

  it('extends a session while it is used, at most once a minute', async () => {
    const browser = await signedIn('walter', 'Passw0rd-1');
    const token = browser.csrfToken!;
    const expiry = async () => (await t.db.selectFrom('session').select('expiresAt').where('csrfToken', '=', token).executeTakeFirstOrThrow()).expiresAt.getTime();
    const fresh = await expiry();
    await api(browser, 'GET', '/users/current');
    assert.equal(await expiry(), fresh, 'a session extended less than a minute ago is not written again');

    await t.db.updateTable('session').set({ expiresAt: sql<Date>`now() + interval '5 minutes'` }).where('csrfToken', '=', token).execute();
    const nearEnd = await expiry();
    await api(browser, 'GET', '/users/current');
    const extended = await expiry();
    assert.ok(extended - nearEnd > 50 * 60_000, 'using the session moved its expiry to session_timeout from now');
  });
});

describe('CSRF protection of cookie-authenticated requests', () => {
  const forbidden = { errors: [{ code: 'FORBIDDEN', message: 'CSRF token invalid' }] };

  it('refuses POST, PUT and DELETE without the X-Harbor-CSRF-Token header or with a wrong one, and performs them with the right one', async () => {
    const browser = await signedIn();
    const token = browser.csrfToken!;
    const walterId = (await api(browser, 'GET', '/users?q=username%3Dwalter')).body[0].user_id;
    const calls: [string, string, unknown][] = [
      ['POST', '/projects', { project_name: 'csrf-target', metadata: { public: 'false' } }],
      ['PUT', `/users/${walterId}`, { realname: 'Walter Changed' }],
      ['DELETE', '/projects/csrf-target', undefined],
    ];
    for (const [method, path, json] of calls) {
      const body = json === undefined ? {} : { json };
      const missing = await api(browser, method, path, { ...body, csrf: false });
      assert.equal(missing.status, 403, `${method} ${path} without the header`);
      assert.deepEqual(missing.body, forbidden);
      assert.equal(missing.headers.get('x-harbor-csrf-token'), token, 'the refusal carries the token the portal must use');
      const wrong = await api(browser, method, path, { ...body, csrf: false, headers: { 'x-harbor-csrf-token': `${token.slice(0, -1)}x` } });
      assert.equal(wrong.status, 403, `${method} ${path} with a wrong token`);
      assert.deepEqual(wrong.body, forbidden);
    }
    assert.equal((await t.db.selectFrom('project').select('id').where('name', '=', 'csrf-target').execute()).length, 0, 'nothing was created');
    assert.equal((await api(browser, 'GET', `/users/${walterId}`)).body.realname, '');

    assert.equal((await api(browser, 'POST', '/projects', { json: calls[0]![2] })).status, 201);
    assert.equal((await api(browser, 'PUT', `/users/${walterId}`, { json: calls[1]![2] })).status, 200);
    assert.equal((await api(browser, 'GET', `/users/${walterId}`)).body.realname, 'Walter Changed');
    assert.equal((await api(browser, 'DELETE', '/projects/csrf-target')).status, 200);
  });

  it('does not take one session’s token for another’s', async () => {
    const admin = await signedIn();
    const walter = await signedIn('walter', 'Passw0rd-1');
    const response = await api(admin, 'POST', '/projects', { json: { project_name: 'csrf-swap' }, csrf: false, headers: { 'x-harbor-csrf-token': walter.csrfToken! } });
    assert.equal(response.status, 403);
  });

  it('needs no token when the request authenticates with Basic credentials, even with a session cookie beside them', async () => {
    const plain = new PortalBrowser(t.url);
    const created = await api(plain, 'POST', '/projects', { json: { project_name: 'csrf-basic' }, headers: { authorization: ADMIN_AUTH } });
    assert.equal(created.status, 201);
    const browser = await signedIn('walter', 'Passw0rd-1');
    const withCookie = await api(browser, 'DELETE', '/projects/csrf-basic', { csrf: false, headers: { authorization: ADMIN_AUTH } });
    assert.equal(withCookie.status, 200, 'the Basic credentials (admin), not the cookie (walter), decided');
  });
});

describe('the token service and the session', () => {
  it('issues registry tokens to the signed-in user from the session cookie', async () => {
    const browser = await signedIn();
    const response = await browser.request('GET', '/service/token?service=harbor-registry&scope=repository:library/app:pull,push');
    assert.equal(response.status, 200);
    const claims = JSON.parse(Buffer.from(response.body.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.sub, 'admin');
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'library/app', actions: ['pull', 'push'] }]);
  });
});

describe('Secure cookies', () => {
  it('marks the cookie Secure when external_url is https, or when a trusted proxy says the client used https', async () => {
    const external = await startReplica({ ...t.config, external_url: 'https://registry.example' });
    const proxied = await startReplica({ ...t.config, behind_proxy: true });
    try {
      const viaExternal = new PortalBrowser(external.url);
      assert.equal((await viaExternal.login('walter', 'Passw0rd-1')).status, 200);
      assert.match(viaExternal.cookieAttributes('sid')!, /; Secure$/);

      const viaProxy = new PortalBrowser(proxied.url);
      assert.equal((await viaProxy.request('POST', '/c/login', { form: { principal: 'walter', password: 'Passw0rd-1' }, headers: { 'x-forwarded-proto': 'https' } })).status, 200);
      assert.match(viaProxy.cookieAttributes('sid')!, /; Secure$/);
      const plainProxy = new PortalBrowser(proxied.url);
      assert.equal((await plainProxy.login('walter', 'Passw0rd-1')).status, 200);
      assert.doesNotMatch(plainProxy.cookieAttributes('sid')!, /Secure/);

      // Without behind_proxy the header is anyone's to send, and is ignored.
      const spoofed = new PortalBrowser(t.url);
      assert.equal((await spoofed.request('POST', '/c/login', { form: { principal: 'walter', password: 'Passw0rd-1' }, headers: { 'x-forwarded-proto': 'https' } })).status, 200);
      assert.doesNotMatch(spoofed.cookieAttributes('sid')!, /Secure/);
    } finally {
      await external.close();
      await proxied.close();
    }
  });
});
