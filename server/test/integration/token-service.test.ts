import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';

let t: TestApp;
let harbor: HarborApi;
const dev = basic('tok-dev', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createUser('tok-dev');
  await harbor.createProject('pub', { public: true });
  await harbor.createProject('priv');
  await harbor.addMember('priv', 'tok-dev', 2);
  await t.client.pushImage('pub/app', 'v1', await makeImage({ layerSizes: [8] }));
  await t.client.pushImage('priv/app', 'v1', await makeImage({ layerSizes: [8] }));
});
after(async () => t.close());

async function token(scope: string | undefined, authorization?: string | null): Promise<{ status: number; token?: string; body: any }> {
  const query = new URLSearchParams({ service: 'harbor-registry' });
  if (scope) query.set('scope', scope);
  const response = await fetch(`${t.url}/service/token?${query}`, { headers: authorization ? { authorization } : {} });
  const body = (await response.json()) as any;
  return { status: response.status, token: body.token, body };
}

function claims(jwt: string): any {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
}

/** The parameters of a `Bearer k="v",…` challenge. */
function challengeParams(header: string | null): Record<string, string> {
  assert.ok(header?.startsWith('Bearer '), `a Bearer challenge, got ${header}`);
  return Object.fromEntries([...header!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

async function v2(path: string, authorization?: string, method = 'GET'): Promise<Response> {
  const response = await fetch(`${t.url}/v2/${path}`, { method, headers: authorization ? { authorization } : {} });
  await response.arrayBuffer();
  return response;
}

describe('the Docker token service', () => {
  it('answers docker login: 401 for wrong or missing credentials without scope, a token for right ones', async () => {
    assert.equal((await token(undefined, null)).status, 401);
    assert.equal((await token(undefined, basic('tok-dev', 'wrong'))).status, 401);
    const ok = await token(undefined, dev);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.expires_in, 1800);
    assert.ok(!Number.isNaN(Date.parse(ok.body.issued_at)));
    const header = JSON.parse(Buffer.from(ok.token!.split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, 'RS256');
    assert.equal(typeof header.kid, 'string');
    const c = claims(ok.token!);
    assert.deepEqual([c.iss, c.sub, c.aud], ['harbor-token-issuer', 'tok-dev', 'harbor-registry']);
    assert.ok(c.iat && c.nbf && c.exp - c.iat === 1800);
  });

  it('refuses another service name', async () => {
    const response = await fetch(`${t.url}/service/token?service=other&scope=repository:pub/app:pull`);
    assert.equal(response.status, 400);
  });

  it('lets anonymous callers pull public projects through the token flow, and nothing else', async () => {
    const challenge = await v2('pub/app/manifests/v1');
    assert.equal(challenge.status, 401);
    assert.equal(challenge.headers.get('www-authenticate'), `Bearer realm="${t.url}/service/token",service="harbor-registry",scope="repository:pub/app:pull"`);
    const anonymous = await token('repository:pub/app:pull,push repository:priv/app:pull repository:missing/app:pull', null);
    assert.deepEqual(
      claims(anonymous.token!).access.map((a: any) => a.actions),
      [['pull'], [], []],
    );
    assert.equal((await v2('pub/app/manifests/v1', `Bearer ${anonymous.token}`)).status, 200);
    const denied = await v2('priv/app/manifests/v1', `Bearer ${anonymous.token}`);
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
  });

  it('does not tell a private project from a missing one, to anonymous callers or outsiders', async () => {
    await harbor.createUser('tok-outsider');
    // The refusal each gets is the one for any repository they may not pull: a challenge, or DENIED.
    for (const [authorization, status, code] of [
      [undefined, 401, 'UNAUTHORIZED'],
      [basic('tok-outsider', TEST_PASSWORD), 403, 'DENIED'],
    ] as const) {
      for (const path of ['priv/app/manifests/v1', 'nothere/app/manifests/v1', 'priv/app/tags/list', 'nothere/app/tags/list']) {
        const response = await fetch(`${t.url}/v2/${path}`, { headers: authorization ? { authorization } : {} });
        const body = (await response.json()) as { errors: { code: string; message: string }[] };
        assert.deepEqual([response.status, body.errors[0]?.code], [status, code], `${authorization ? 'outsider' : 'anonymous'} ${path}: ${JSON.stringify(body)}`);
        assert.doesNotMatch(body.errors[0]!.message, /not found|unknown|nothere|priv/i, path);
      }
    }
  });

  it('refuses a token after its project was deleted and re-created under the same name', async () => {
    await harbor.createProject('phoenix');
    await harbor.addMember('phoenix', 'tok-dev', 2);
    const old = await token('repository:phoenix/app:pull,push', dev);
    assert.equal((await v2('phoenix/app/blobs/uploads/', `Bearer ${old.token}`, 'POST')).status, 202);
    assert.equal((await harbor.call('DELETE', '/projects/phoenix', { headers: { 'X-Is-Resource-Name': 'true' } })).status, 200);
    await harbor.createProject('phoenix');
    await harbor.addMember('phoenix', 'tok-dev', 2);
    const replay = await v2('phoenix/app/blobs/uploads/', `Bearer ${old.token}`, 'POST');
    assert.equal(replay.status, 401);
    const fresh = await token('repository:phoenix/app:pull,push', dev);
    assert.equal((await v2('phoenix/app/blobs/uploads/', `Bearer ${fresh.token}`, 'POST')).status, 202);
  });

  it('refuses forged tokens on /v2: alg none, a foreign key, an embedded jwk, no iat', async () => {
    const { kid, privateKeyPem } = await t.db.selectFrom('signingKey').select(['kid', 'privateKeyPem']).executeTakeFirstOrThrow();
    const valid = claims((await token('repository:priv/app:pull', dev)).token!);
    const access = [{ type: 'repository', name: 'priv/app', actions: ['pull', 'push', 'delete'] }];
    const body = { access, projects: valid.projects };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const none = `${b64({ alg: 'none', kid })}.${b64({ ...body, iss: 'harbor-token-issuer', sub: 'admin', aud: 'harbor-registry', iat: now, exp: now + 600 })}.`;
    const foreign = await generateKeyPair('RS256');
    const sign = (header: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0], iat = true) => {
      const jwt = new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid, ...header }).setIssuer('harbor-token-issuer').setSubject('admin').setAudience('harbor-registry').setExpirationTime('10m');
      return (iat ? jwt.setIssuedAt() : jwt).sign(key);
    };
    const forgedForeign = await sign({}, foreign.privateKey);
    const forgedJwk = await sign({ jwk: await exportJWK(foreign.publicKey) }, foreign.privateKey);
    const noIat = await sign({}, await importPKCS8(privateKeyPem, 'RS256'), false);
    for (const [name, jwt] of Object.entries({ none, forgedForeign, forgedJwk, noIat })) {
      const response = await v2('priv/app/manifests/v1', `Bearer ${jwt}`);
      assert.equal(response.status, 401, name);
      assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/, name);
    }
  });

  it('grants registry:catalog:* only to system administrators; others still list, filtered, what they may see', async () => {
    const anonymous = await token('registry:catalog:*', null);
    assert.deepEqual(claims(anonymous.token!).access, [{ type: 'registry', name: 'catalog', actions: [] }]);
    const member = await token('registry:catalog:*', dev);
    assert.deepEqual(claims(member.token!).access, [{ type: 'registry', name: 'catalog', actions: [] }]);
    const admin = await token('registry:catalog:*', ADMIN_AUTH);
    assert.deepEqual(claims(admin.token!).access, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    const response = await fetch(`${t.url}/v2/_catalog`, { headers: { authorization: `Bearer ${member.token}` } });
    assert.equal(response.status, 200);
    const listed = ((await response.json()) as { repositories: string[] }).repositories;
    assert.ok(listed.includes('priv/app') && listed.includes('pub/app'));
  });

  it('builds the realm from external_url, or from X-Forwarded-* only when behind_proxy is set', async () => {
    const spoofed = await fetch(`${t.url}/v2/`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' } });
    assert.equal(spoofed.headers.get('www-authenticate'), `Bearer realm="${t.url}/service/token",service="harbor-registry"`);
    const proxied = await startTestApp({ BERTH_BEHIND_PROXY: 'true' });
    try {
      const response = await fetch(`${proxied.url}/v2/`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'registry.example.com' } });
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="https://registry.example.com/service/token",service="harbor-registry"');
    } finally {
      await proxied.close();
    }
    const external = await startTestApp({ BERTH_EXTERNAL_URL: 'https://berth.example.com' });
    try {
      const response = await fetch(`${external.url}/v2/`);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="https://berth.example.com/service/token",service="harbor-registry"');
    } finally {
      await external.close();
    }
  });

  describe('cross-repository mounts by a token client', () => {
    let layer: string;
    before(async () => {
      await harbor.createProject('mnt');
      await harbor.addMember('mnt', 'tok-dev', 2);
      await harbor.createProject('hidden');
      const image = await makeImage({ layerSizes: [64] });
      await t.client.pushImage('hidden/app', 'v1', image);
      await t.client.pushImage('priv/app', 'v2', image);
      layer = image.layers[0]!.digest;
    });

    it('challenges for push on the target and pull on the source in one scope, gets both in one token, and mounts (201)', async () => {
      const path = `mnt/copy/blobs/uploads/?mount=${layer}&from=priv/app`;
      const challenge = await v2(path, undefined, 'POST');
      assert.equal(challenge.status, 401);
      const params = challengeParams(challenge.headers.get('www-authenticate'));
      assert.deepEqual(params, { realm: `${t.url}/service/token`, service: 'harbor-registry', scope: 'repository:mnt/copy:pull,push repository:priv/app:pull' });
      // What a client that follows the challenge does: ask for exactly the challenge's scope.
      const granted = await token(params.scope, dev);
      assert.deepEqual(claims(granted.token!).access, [
        { type: 'repository', name: 'mnt/copy', actions: ['pull', 'push'] },
        { type: 'repository', name: 'priv/app', actions: ['pull'] },
      ]);
      const mounted = await v2(path, `Bearer ${granted.token}`, 'POST');
      assert.equal(mounted.status, 201);
      assert.equal(mounted.headers.get('location'), `/v2/mnt/copy/blobs/${layer}`);
      assert.equal(mounted.headers.get('docker-content-digest'), layer);
      const read = await v2(`mnt/copy/blobs/${layer}`, `Bearer ${granted.token}`);
      assert.equal(read.status, 200);
    });

    it('challenges again, naming both scopes, a token that holds the target but does not mention the source', async () => {
      const targetOnly = await token('repository:mnt/other:pull,push', dev);
      const response = await v2(`mnt/other/blobs/uploads/?mount=${layer}&from=priv/app`, `Bearer ${targetOnly.token}`, 'POST');
      assert.equal(response.status, 401);
      assert.deepEqual(challengeParams(response.headers.get('www-authenticate')), {
        realm: `${t.url}/service/token`,
        service: 'harbor-registry',
        scope: 'repository:mnt/other:pull,push repository:priv/app:pull',
        error: 'insufficient_scope',
      });
    });

    it('starts a plain upload (202) when the token service refused pull on the source, without linking the blob', async () => {
      const path = `mnt/third/blobs/uploads/?mount=${layer}&from=hidden/app`;
      const granted = await token(challengeParams((await v2(path, undefined, 'POST')).headers.get('www-authenticate')).scope, dev);
      assert.deepEqual(claims(granted.token!).access[1], { type: 'repository', name: 'hidden/app', actions: [] });
      const response = await v2(path, `Bearer ${granted.token}`, 'POST');
      assert.equal(response.status, 202);
      assert.match(response.headers.get('location') ?? '', /^\/v2\/mnt\/third\/blobs\/uploads\/[0-9a-f-]{36}$/);
      assert.equal((await v2(`mnt/third/blobs/${layer}`, `Bearer ${granted.token}`)).status, 404);
    });
  });
});
