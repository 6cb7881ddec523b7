import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';

const PAGE = '<!doctype html><title>Berth</title><script type="module" src="/assets/index-Abc123.js"></script>';
type ErrorBody = { errors: { code: string; message: string }[] };

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the portal served at /', () => {
  let t: TestApp;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-portal-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), PAGE);
    writeFileSync(join(dir, 'assets', 'index-Abc123.js'), 'console.log("portal")');
    t = await startTestApp({}, { portalDir: dir });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / with the page, revalidated on every visit and confined by a content security policy', async () => {
    const response = await fetch(`${t.url}/`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), PAGE);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const response = await fetch(`${t.url}/assets/index-Abc123.js`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'console.log("portal")');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${t.url}/assets/missing.js`)).status, 404);
  });

  it('answers a reload of any portal route with the page, so deep links work', async () => {
    for (const path of ['/projects', '/projects/3/repositories/team%252Fapp/artifacts/sha256:00', '/sign-in?redirect=%2Fprojects']) {
      const response = await fetch(`${t.url}${path}`, { headers: HTML });
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), PAGE, path);
    }
  });

  it('leaves API paths to the APIs, even when a browser asks for HTML', async () => {
    for (const path of ['/api/v2.0/no-such-thing', '/c/no-such-thing', '/service/no-such-thing']) {
      const response = await fetch(`${t.url}${path}`, { headers: HTML });
      assert.equal(response.status, 404, path);
      assert.ok(Array.isArray(((await response.json()) as ErrorBody).errors), path);
    }
    // The registry challenges anonymous callers before anything else, as ever.
    const registry = await fetch(`${t.url}/v2/no/such/manifests/x`, { headers: HTML });
    assert.equal(registry.status, 401);
    assert.equal(((await registry.json()) as ErrorBody).errors[0]?.code, 'UNAUTHORIZED');
    const systeminfo = await fetch(`${t.url}/api/v2.0/systeminfo`, { headers: HTML });
    assert.equal(systeminfo.status, 200);
    assert.equal(((await systeminfo.json()) as { auth_mode: string }).auth_mode, 'db_auth');
    assert.equal((await fetch(`${t.url}/v2/`, { headers: HTML })).status, 401);
  });

  it('does not answer requests for other content with the page', async () => {
    const response = await fetch(`${t.url}/projects`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as ErrorBody).errors[0]?.code, 'NOT_FOUND');
  });
});

describe('a Berth whose portal was not built', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({}, { portalDir: join(tmpdir(), 'berth-no-portal-here') });
  });
  after(async () => t.close());

  it('says so at / in the error envelope, and the APIs work as ever', async () => {
    const response = await fetch(`${t.url}/`, { headers: HTML });
    assert.equal(response.status, 404);
    const body = (await response.json()) as ErrorBody;
    assert.equal(body.errors[0]?.code, 'NOT_FOUND');
    assert.match(body.errors[0]?.message ?? "", /portal was not built/);
    assert.equal((await fetch(`${t.url}/api/v2.0/systeminfo`)).status, 200);
  });
});
