import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { makeImage } from '../fixtures/image-builder.ts';

let t: TestApp;

before(async () => {
  t = await startTestApp();
  await t.client.createProject('walk');
  await t.client.pushImage('walk/app', 'v1', await makeImage());
});
after(async () => t.close());

/** What every refusal of an unstorable value must look like: 400 in the shared envelope, with the code the API uses. */
async function assertRefused(response: Response, code: string, what: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, 400, `${what} → ${response.status} ${text}`);
  const body = JSON.parse(text) as { errors: { code: string; message: string }[] };
  assert.equal(body.errors[0]!.code, code, `${what} → ${text}`);
  assert.equal(typeof body.errors[0]!.message, 'string');
}

async function call(method: string, path: string, options: { body?: string; contentType?: string; auth?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: options.auth ?? ADMIN_AUTH };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return await fetch(`${t.url}${path}`, { method, headers, redirect: 'manual', ...(options.body !== undefined && { body: options.body }) });
}

/** A request path for a registered route pattern, with `bad` in place of parameter `index` and a harmless value elsewhere. */
function pathFor(url: string, index: number, bad: string): string {
  let i = 0;
  return url
    .split('/')
    .map((segment) => (segment.startsWith(':') || segment === '*' ? (i++ === index ? bad : '1') : segment))
    .join('/');
}

const NUL = '%00';
/** JSON text with a NUL (as \u0000) and an unpaired surrogate (as \ud800) in nested fields and in a key. */
const BAD_BODIES = ['{"name":"a\\u0000b"}', '{"metadata":{"public":"true","x":["ok","\\ud800"]}}', '{"a\\u0000":1}'];

describe('no value PostgreSQL cannot store reaches it: every route answers 400 in its envelope', () => {
  it('walks every registered route with NUL in each path parameter, a query value and the body', async () => {
    // HEAD answers carry no body to check; fetch refuses to send CONNECT, TRACE and TRACK.
    const routes = t.app.berthRoutes.filter((route) => !['HEAD', 'CONNECT', 'TRACE', 'TRACK'].includes(route.method));
    assert.ok(routes.length > 80, `only ${routes.length} routes registered?`);
    assert.ok(routes.some((route) => route.url === '/api/v2.0/projects/:project_name_or_id/members/:mid'), 'prefixed routes are listed in full');
    const seen = new Set<string>();
    for (const { method, url } of routes) {
      const registry = url.startsWith('/v2');
      const key = `${method} ${url}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // The walk must hit the routes themselves (prefixes included), not the not-found handler.
      assert.ok(t.app.hasRoute({ method: method as 'GET', url }), `${key} is not a route as listed`);
      const params = url.split('/').filter((s) => s.startsWith(':') || s === '*').length;
      const plain = pathFor(url, -1, '');
      const checks: Promise<void>[] = [];
      for (let index = 0; index < params; index++) {
        const path = pathFor(url, index, `a${NUL}b`);
        checks.push(call(method, path).then((r) => assertRefused(r, registry ? 'NAME_INVALID' : 'BAD_REQUEST', `${key} with NUL in parameter ${index}: ${path}`)));
      }
      for (const field of ['q', 'name', 'last', 'n', 'username', 'sort']) {
        checks.push(call(method, `${plain}?${field}=x${NUL}`).then((r) => assertRefused(r, 'BAD_REQUEST', `${key} with NUL in query ${field}`)));
      }
      checks.push(call(method, `${plain}?q=${encodeURIComponent('name=~x')}&page=1&q=%00`).then((r) => assertRefused(r, 'BAD_REQUEST', `${key} with NUL in a repeated query parameter`)));
      if (!registry && method !== 'GET') {
        for (const body of BAD_BODIES) checks.push(call(method, plain, { body }).then((r) => assertRefused(r, 'BAD_REQUEST', `${key} with body ${body}`)));
      }
      await Promise.all(checks);
    }
  });

  it('Basic credentials carrying NUL are refused as a bad request, on /v2 and /api/v2.0', async () => {
    const auth = `Basic ${Buffer.from('ad\u0000min:x').toString('base64')}`;
    await assertRefused(await call('GET', '/v2/', { auth }), 'BAD_REQUEST', '/v2/ with NUL in the username');
    await assertRefused(await call('GET', '/api/v2.0/users/current', { auth }), 'BAD_REQUEST', '/users/current with NUL in the username');
    await assertRefused(await call('GET', '/service/token?service=harbor-registry', { auth }), 'BAD_REQUEST', '/service/token with NUL in the username');
  });
});

describe('the instances users hit: NUL in the fields that reached SQL', () => {
  const cases: [string, string, string][] = [
    ['GET', `/v2/walk/app/tags/list?last=a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/v2/walk/app/tags/list?n=1${NUL}`, 'BAD_REQUEST'],
    ['GET', `/v2/_catalog?last=a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/v2/walk/app${NUL}/tags/list`, 'NAME_INVALID'],
    ['GET', `/v2/walk/app/manifests/v${NUL}1`, 'NAME_INVALID'],
    ['POST', `/v2/walk/app/blobs/uploads/?mount=sha256:${'a'.repeat(64)}&from=walk/x${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/projects?name=a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/projects/walk${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/search?q=a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/users/search?username=a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/users?q=username%3D~a${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/auditlog-exts?q=operation%3Da${NUL}`, 'BAD_REQUEST'],
    ['GET', `/api/v2.0/projects/walk/repositories?q=name%3D~a${NUL}`, 'BAD_REQUEST'],
  ];
  for (const [method, path, code] of cases) {
    it(`${method} ${path}`, async () => assertRefused(await call(method, path), code, path));
  }

  it('a project name with NUL in the body', async () => {
    await assertRefused(await call('POST', '/api/v2.0/projects', { body: '{"project_name":"a\\u0000b","metadata":{"public":"false"}}' }), 'BAD_REQUEST', 'project');
  });

  it('a repository description with an unpaired surrogate', async () => {
    await assertRefused(await call('PUT', '/api/v2.0/projects/walk/repositories/app', { body: '{"description":"x\\udc00"}' }), 'BAD_REQUEST', 'description');
  });

  it('a manifest whose annotation holds NUL is an invalid manifest, and nothing is stored', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 },
      layers: [],
      annotations: { note: 'a\u0000b' },
    });
    const response = await call('PUT', '/v2/walk/app/manifests/nul', { body: manifest, contentType: 'application/vnd.oci.image.manifest.v1+json' });
    const text = await response.text();
    assert.equal(response.status, 400, text);
    assert.equal(JSON.parse(text).errors[0].code, 'MANIFEST_INVALID');
    const get = await call('GET', '/v2/walk/app/manifests/nul');
    await get.arrayBuffer();
    assert.equal(get.status, 404);
  });
});
