import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { OidcRejectedError, OidcUnavailableError } from '../../src/auth/oidc/oidc-errors.ts';
import { OidcClient, type OidcLogin } from '../../src/auth/oidc/oidc.provider.ts';
import { oidcSettingsSchema, type OidcSettingsInput } from '../../src/auth/oidc/oidc-settings.ts';
import { freePort } from '../../src/net/free-port.ts';
import { DEFAULT_OIDC_USERS, startOidcProvider, type OidcTestProvider, type OidcTestUser } from '../fixtures/oidc-provider.ts';

/** Changed by a test, so the provider's answers change as they would after an administrator's edit. */
const carol: OidcTestUser = { sub: 'u-carol', name: 'Carol', preferred_username: 'carol', email: 'carol@example.test', groups: ['berth-admins'] };
let idp: OidcTestProvider;

before(async () => {
  idp = await startOidcProvider({ users: [...DEFAULT_OIDC_USERS, carol], clients: [{ clientId: 'berth' }, { clientId: 'other-app' }] });
});
after(async () => idp.stop());

/** Settings as an administrator would enter them for `provider`'s first client (or `clientId`). */
function settings(provider: OidcTestProvider, overrides: Partial<OidcSettingsInput> & { clientId?: string } = {}) {
  const { clientId = provider.clientId, ...rest } = overrides;
  const client = provider.clients.find((c) => c.clientId === clientId)!;
  return oidcSettingsSchema.parse({
    oidc_name: 'Test IdP',
    oidc_endpoint: provider.issuer,
    oidc_client_id: client.clientId,
    oidc_client_secret: client.clientSecret,
    oidc_scope: 'openid,profile,email,groups,offline_access',
    oidc_groups_claim: 'groups',
    oidc_admin_group: 'berth-admins',
    ...rest,
  });
}

/** A login up to the callback: what the portal's two routes will do, with the browser played by the test provider. */
async function startLogin(oidc: OidcClient, username: string, provider = idp) {
  const pending = await oidc.authorizationUrl({ redirectUri: provider.redirectUri });
  const callbackUrl = await provider.login(pending.url, username);
  return { ...pending, redirectUri: provider.redirectUri, callbackUrl };
}

async function signIn(oidc: OidcClient, username: string, provider = idp): Promise<OidcLogin> {
  return await oidc.handleCallback(await startLogin(oidc, username, provider));
}

async function rejectsWith(promise: Promise<unknown>, type: typeof OidcRejectedError | typeof OidcUnavailableError, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('OIDC login through the authorization code flow', () => {
  it('signs a user in with the username, email, groups and admin flag the provider states', async () => {
    const oidc = new OidcClient(settings(idp));
    const pending = await oidc.authorizationUrl({ redirectUri: idp.redirectUri });
    const authorize = new URL(pending.url).searchParams;
    assert.equal(authorize.get('state'), pending.state);
    assert.equal(authorize.get('nonce'), pending.nonce);
    assert.equal(authorize.get('code_challenge_method'), 'S256');
    assert.equal(authorize.get('scope'), 'openid profile email groups offline_access');

    const callbackUrl = await idp.login(pending.url, 'alice');
    // Only the query matters, so the route can pass request.url as it is.
    const relative = new URL(callbackUrl).pathname + new URL(callbackUrl).search;
    const login = await oidc.handleCallback({ ...pending, redirectUri: idp.redirectUri, callbackUrl: relative });
    assert.equal(login.issuer, idp.issuer);
    assert.equal(login.subject, 'u-alice');
    assert.equal(login.username, 'Alice Liddell');
    assert.equal(login.email, 'alice@example.test');
    assert.deepEqual(login.groups, ['berth-admins', 'developers']);
    assert.equal(login.isAdmin, true);
    assert.equal(typeof login.refreshToken, 'string');
    assert.ok(login.expiresAt.getTime() > Date.now());
    assert.equal(payloadOf(login.idToken).nonce, pending.nonce);
  });

  it('takes the username from oidc_user_claim when one is set', async () => {
    const login = await signIn(new OidcClient(settings(idp, { oidc_user_claim: 'preferred_username' })), 'alice');
    assert.equal(login.username, 'alice');
  });

  it('falls back to the userinfo endpoint for groups the ID token does not carry', async () => {
    const login = await signIn(new OidcClient(settings(idp)), 'bob');
    assert.equal(payloadOf(login.idToken).groups, undefined);
    assert.deepEqual(login.groups, ['developers', 'ops']);
    assert.equal(login.isAdmin, false);
  });

  it('keeps only the groups oidc_group_filter matches, without changing who is an administrator', async () => {
    const login = await signIn(new OidcClient(settings(idp, { oidc_group_filter: '^dev' })), 'alice');
    assert.deepEqual(login.groups, ['developers']);
    assert.equal(login.isAdmin, true);
  });

  it('discovers the provider once for the logins that follow, whichever instance serves them', async () => {
    const discoveries = () => idp.requests.filter((request) => request === 'GET /.well-known/openid-configuration').length;
    const before = discoveries();
    // A timeout of its own gives these instances a cache entry of their own.
    await signIn(new OidcClient(settings(idp), { timeoutMs: 4_321 }), 'alice');
    await signIn(new OidcClient(settings(idp), { timeoutMs: 4_321 }), 'bob');
    assert.equal(discoveries() - before, 1);
  });

  it('adds oidc_extra_redirect_parms to the authorization request but never over its own parameters', async () => {
    const oidc = new OidcClient(settings(idp, { oidc_extra_redirect_parms: '{"prompt":"login","state":"chosen-by-admin"}' }));
    const pending = await oidc.authorizationUrl({ redirectUri: idp.redirectUri });
    const authorize = new URL(pending.url).searchParams;
    assert.equal(authorize.get('prompt'), 'login');
    assert.deepEqual(authorize.getAll('state'), [pending.state]);
  });
});

describe('OIDC callbacks that must be refused', () => {
  it('refuses a callback whose state was tampered with', async () => {
    const oidc = new OidcClient(settings(idp));
    const started = await startLogin(oidc, 'alice');
    const tampered = new URL(started.callbackUrl);
    tampered.searchParams.set('state', `${started.state}x`);
    await rejectsWith(oidc.handleCallback({ ...started, callbackUrl: tampered }), OidcRejectedError, /state/);
  });

  it('refuses a callback that belongs to another login attempt', async () => {
    const oidc = new OidcClient(settings(idp));
    const first = await startLogin(oidc, 'alice');
    const second = await oidc.authorizationUrl({ redirectUri: idp.redirectUri });
    await rejectsWith(oidc.handleCallback({ ...second, redirectUri: idp.redirectUri, callbackUrl: first.callbackUrl }), OidcRejectedError, /state/);
  });

  it('refuses an ID token that does not carry the nonce this login sent', async () => {
    const oidc = new OidcClient(settings(idp));
    const started = await startLogin(oidc, 'alice');
    await rejectsWith(oidc.handleCallback({ ...started, nonce: 'another-nonce' }), OidcRejectedError, /nonce/);
  });

  it('refuses an authorization code used a second time', async () => {
    const oidc = new OidcClient(settings(idp));
    const started = await startLogin(oidc, 'alice');
    await oidc.handleCallback(started);
    await rejectsWith(oidc.handleCallback(started), OidcRejectedError, /invalid_grant/);
  });

  it('refuses a code exchanged without the PKCE verifier of its login', async () => {
    const oidc = new OidcClient(settings(idp));
    const started = await startLogin(oidc, 'alice');
    const { codeVerifier } = await oidc.authorizationUrl({ redirectUri: idp.redirectUri });
    await rejectsWith(oidc.handleCallback({ ...started, codeVerifier }), OidcRejectedError, /invalid_grant/);
  });
});

describe('OIDC token refresh', () => {
  it('renews a login with a fresh ID token that carries group changes made at the provider', async () => {
    const oidc = new OidcClient(settings(idp));
    const login = await signIn(oidc, 'carol');
    assert.equal(login.isAdmin, true);
    carol.groups = ['developers'];
    const renewed = await oidc.refresh(login.refreshToken!);
    assert.notEqual(renewed.idToken, login.idToken);
    assert.equal(renewed.subject, login.subject);
    assert.deepEqual(renewed.groups, ['developers']);
    assert.equal(renewed.isAdmin, false);
    assert.equal((await oidc.verifyIdToken(renewed.idToken)).subject, 'u-carol');
  });

  it('rotates the refresh token, and refuses the spent one', async () => {
    const oidc = new OidcClient(settings(idp));
    const login = await signIn(oidc, 'alice');
    const renewed = await oidc.refresh(login.refreshToken!);
    assert.notEqual(renewed.refreshToken, login.refreshToken);
    assert.equal((await oidc.refresh(renewed.refreshToken!)).username, 'Alice Liddell');
    await rejectsWith(oidc.refresh(login.refreshToken!), OidcRejectedError, /invalid_grant/);
  });

  it('still finds groups through userinfo when refreshing a user whose ID token has none', async () => {
    const oidc = new OidcClient(settings(idp));
    const renewed = await oidc.refresh((await signIn(oidc, 'bob')).refreshToken!);
    assert.deepEqual(renewed.groups, ['developers', 'ops']);
  });
});

describe('ID tokens presented as Bearer credentials', () => {
  it('accepts an ID token the provider issued to Berth', async () => {
    const oidc = new OidcClient(settings(idp));
    const user = await oidc.verifyIdToken((await signIn(oidc, 'alice')).idToken);
    assert.equal(user.username, 'Alice Liddell');
    assert.deepEqual(user.groups, ['berth-admins', 'developers']);
    assert.equal(user.isAdmin, true);
    assert.ok(user.expiresAt.getTime() > Date.now());
  });

  it('refuses an ID token issued to another client of the same provider', async () => {
    const otherApp = await signIn(new OidcClient(settings(idp, { clientId: 'other-app' })), 'alice');
    await rejectsWith(new OidcClient(settings(idp)).verifyIdToken(otherApp.idToken), OidcRejectedError, /aud/);
  });

  it('refuses an ID token from another issuer, even one signing with the same key', async () => {
    const elsewhere = await startOidcProvider();
    try {
      const foreign = await signIn(new OidcClient(settings(elsewhere)), 'alice', elsewhere);
      await rejectsWith(new OidcClient(settings(idp)).verifyIdToken(foreign.idToken), OidcRejectedError, /iss/);
    } finally {
      await elsewhere.stop();
    }
  });

  it('refuses an ID token whose claims were altered after signing', async () => {
    const oidc = new OidcClient(settings(idp));
    const [header, payload, signature] = (await signIn(oidc, 'bob')).idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...payloadOf(`${header}.${payload}.`), groups: ['berth-admins'] })).toString('base64url');
    await rejectsWith(oidc.verifyIdToken(`${header}.${forged}.${signature}`), OidcRejectedError, /signature/);
  });
});

describe('OIDC provider failures', () => {
  it('reports an unreachable or unresponsive provider as unavailable within the timeout', async () => {
    const closedPort = await freePort();
    const refused = new OidcClient(settings(idp, { oidc_endpoint: `http://127.0.0.1:${closedPort}` }), { timeoutMs: 300 });
    await rejectsWith(refused.authorizationUrl({ redirectUri: idp.redirectUri }), OidcUnavailableError, /ECONNREFUSED/);

    // Accepts connections and never answers, like a provider behind a dead proxy.
    const connections = new Set<Socket>();
    const silent = createServer((socket) => connections.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const hanging = new OidcClient(settings(idp, { oidc_endpoint: `http://127.0.0.1:${port}` }), { timeoutMs: 300 });
      await rejectsWith(hanging.authorizationUrl({ redirectUri: idp.redirectUri }), OidcUnavailableError, /discovery/);
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('answers the settings page’s connection test without throwing', async () => {
    assert.deepEqual(await new OidcClient(settings(idp)).ping(), { ok: true, message: `discovered ${idp.issuer}` });
    const down = await new OidcClient(settings(idp, { oidc_endpoint: `http://127.0.0.1:${await freePort()}` })).ping();
    assert.equal(down.ok, false);
    assert.match(down.message, /ECONNREFUSED/);
  });

  it('reports a wrong client secret as a configuration problem, not a rejected login', async () => {
    const oidc = new OidcClient(settings(idp, { oidc_client_secret: 'not-the-secret' }));
    await rejectsWith(oidc.handleCallback(await startLogin(oidc, 'alice')), OidcUnavailableError, /invalid_client/);
  });
});

describe('oidc_verify_cert against a provider with a self-signed certificate', () => {
  let tlsIdp: OidcTestProvider;
  before(async () => {
    tlsIdp = await startOidcProvider({ tls: true });
  });
  after(async () => tlsIdp.stop());

  it('refuses the provider while certificates are verified', async () => {
    const oidc = new OidcClient(settings(tlsIdp));
    await rejectsWith(oidc.authorizationUrl({ redirectUri: tlsIdp.redirectUri }), OidcUnavailableError, /certificate/);
  });

  it('logs in, refreshes and verifies ID tokens once verification is turned off', async () => {
    const oidc = new OidcClient(settings(tlsIdp, { oidc_verify_cert: false }));
    const login = await signIn(oidc, 'bob', tlsIdp);
    assert.deepEqual(login.groups, ['developers', 'ops']);
    const renewed = await oidc.refresh(login.refreshToken!);
    assert.equal((await oidc.verifyIdToken(renewed.idToken)).subject, 'u-bob');
  });
});
