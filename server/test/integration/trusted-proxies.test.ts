import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { TEST_ADMIN_PASSWORD } from '../fixtures/berth-process.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';

const SPOOFED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'registry.example.com', host: 'berth.internal:8080' };
const REALM_OWN = 'Bearer realm="http://berth.internal:8080/service/token",service="harbor-registry"';
const REALM_FORWARDED = 'Bearer realm="https://registry.example.com/service/token",service="harbor-registry"';

let t: TestApp;
before(async () => {
  t = await startTestApp({ BERTH_HTTP_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,192.0.2.7' });
});
after(async () => t.close());

/** Another app on the test app's database and storage, with other proxy settings (as another replica's berth.yml). */
async function appWith(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadConfig({ env: { BERTH_DATA_DIR: t.config.data_volume, BERTH_DATABASE_URL: t.config.database.url!, ...env } });
  const { app } = await buildApp({ config, db: t.db, storage: t.storage, log: createLogger('fatal') });
  return app;
}

async function realm(app: FastifyInstance, remoteAddress: string, headers: Record<string, string> = SPOOFED): Promise<string | undefined> {
  const response = await app.inject({ method: 'GET', url: '/v2/', remoteAddress, headers });
  assert.equal(response.statusCode, 401);
  return response.headers['www-authenticate'] as string | undefined;
}

/** The sid cookie's Set-Cookie after a portal sign-in. */
async function sessionCookie(app: FastifyInstance, remoteAddress: string): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/c/login',
    remoteAddress,
    headers: { ...SPOOFED, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `principal=admin&password=${encodeURIComponent(TEST_ADMIN_PASSWORD)}`,
  });
  assert.equal(response.statusCode, 200, response.body);
  return [response.headers['set-cookie']].flat().find((cookie) => cookie?.startsWith('sid='))!;
}

describe('forwarded headers from a peer not in http.trusted_proxies', () => {
  it('change nothing: the token realm, the upload Location, the Secure flag and systeminfo stay the request’s own', async () => {
    for (const peer of ['203.0.113.9', '127.0.0.1', '::1', '11.0.0.1', 'fe80::1', '::ffff:192.0.2.8']) {
      assert.equal(await realm(t.app, peer), REALM_OWN, peer);
    }
    const upload = await t.app.inject({ method: 'POST', url: '/v2/library/proxied/blobs/uploads/', remoteAddress: '203.0.113.9', headers: { ...SPOOFED, authorization: ADMIN_AUTH } });
    assert.equal(upload.statusCode, 202);
    assert.match(upload.headers.location as string, /^\/v2\/library\/proxied\/blobs\/uploads\/[^/]+$/);
    assert.doesNotMatch(await sessionCookie(t.app, '203.0.113.9'), /Secure/);
    const info = await t.app.inject({ method: 'GET', url: '/api/v2.0/systeminfo', remoteAddress: '203.0.113.9', headers: { ...SPOOFED, authorization: ADMIN_AUTH } });
    assert.equal(info.json().external_url, 'http://berth.internal:8080');
  });
});

describe('forwarded headers from a trusted proxy', () => {
  it('give the realm, the Secure flag and systeminfo the address clients used, for IPv4, IPv6 and IPv4-mapped peers in the list', async () => {
    for (const peer of ['10.1.2.3', '192.0.2.7', 'fd00::5', '::ffff:10.9.9.9']) {
      assert.equal(await realm(t.app, peer), REALM_FORWARDED, peer);
    }
    assert.match(await sessionCookie(t.app, '10.1.2.3'), /; Secure$/);
    const info = await t.app.inject({ method: 'GET', url: '/api/v2.0/systeminfo', remoteAddress: 'fd00::5', headers: { ...SPOOFED, authorization: ADMIN_AUTH } });
    assert.equal(info.json().external_url, 'https://registry.example.com');
  });

  it('count as the proxy appended them: the last value, not one the client put before it', async () => {
    const headers = { ...SPOOFED, 'x-forwarded-host': 'evil.example, registry.example.com', 'x-forwarded-proto': 'http, https' };
    assert.equal(await realm(t.app, '10.1.2.3', headers), REALM_FORWARDED);
  });

  it('yield to external_url, which always wins', async () => {
    const app = await appWith({ BERTH_HTTP_TRUSTED_PROXIES: '10.0.0.0/8', BERTH_EXTERNAL_URL: 'https://berth.example.org/' });
    try {
      assert.equal(await realm(app, '10.1.2.3'), 'Bearer realm="https://berth.example.org/service/token",service="harbor-registry"');
      assert.equal(await realm(app, '203.0.113.9', { host: 'berth.internal:8080' }), 'Bearer realm="https://berth.example.org/service/token",service="harbor-registry"');
    } finally {
      await app.close();
    }
  });
});

describe('behind_proxy: true without a list (the older switch)', () => {
  it('trusts a proxy on this host (loopback) only', async () => {
    const app = await appWith({ BERTH_BEHIND_PROXY: 'true' });
    try {
      for (const peer of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) assert.equal(await realm(app, peer), REALM_FORWARDED, peer);
      for (const peer of ['10.1.2.3', '203.0.113.9', 'fd00::5']) assert.equal(await realm(app, peer), REALM_OWN, peer);
    } finally {
      await app.close();
    }
  });
});
