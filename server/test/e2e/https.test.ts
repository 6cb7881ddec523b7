import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';

function curl(args: string[]): string {
  return execFileSync('curl', ['-sS', '-D', '-', '-o', '/dev/null', ...args], { encoding: 'utf8' });
}

describe('Berth serving HTTPS with its own certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
  let berth: BerthProcess;
  let httpsPort: number;

  before(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    httpsPort = await freePort();
    berth = await startBerth({
      env: { BERTH_HTTPS_PORT: String(httpsPort), BERTH_HTTPS_CERTIFICATE: join(dir, 'cert.pem'), BERTH_HTTPS_PRIVATE_KEY: join(dir, 'key.pem') },
    });
  });
  after(async () => {
    await berth.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the registry over TLS with the configured certificate', () => {
    const headers = curl(['--cacert', join(dir, 'cert.pem'), '-u', `admin:${TEST_ADMIN_PASSWORD}`, `https://127.0.0.1:${httpsPort}/v2/`]);
    assert.match(headers, /^HTTP\/1\.1 200/);
    assert.match(headers, /docker-distribution-api-version: registry\/2\.0/i);
  });

  it('hands out its certificate at /systeminfo/getcert, as Harbor hands out its CA, and it is enough to trust Berth', () => {
    const downloaded = join(dir, 'ca.crt');
    const headers = execFileSync('curl', ['-sS', '-k', '-D', '-', '-o', downloaded, `https://127.0.0.1:${httpsPort}/api/v2.0/systeminfo/getcert`], { encoding: 'utf8' });
    assert.match(headers, /^HTTP\/1\.1 200/);
    assert.match(headers, /content-disposition: attachment; filename=ca\.crt/i);
    assert.deepEqual(readFileSync(downloaded), readFileSync(join(dir, 'cert.pem')));
    const info = execFileSync('curl', ['-sS', '--cacert', downloaded, '-u', `admin:${TEST_ADMIN_PASSWORD}`, `https://127.0.0.1:${httpsPort}/api/v2.0/systeminfo`], { encoding: 'utf8' });
    assert.equal(JSON.parse(info).has_ca_root, true);
  });

  it('redirects plain HTTP to HTTPS, keeping the path', () => {
    const headers = curl([`${berth.url}/v2/library/app/manifests/latest`]);
    assert.match(headers, /^HTTP\/1\.1 308/);
    assert.match(headers, new RegExp(`location: https://127\\.0\\.0\\.1:${httpsPort}/v2/library/app/manifests/latest`, 'i'));
  });

  it('refuses to start when the certificate cannot be read, naming the key', async () => {
    await assert.rejects(
      startBerth({ env: { BERTH_HTTPS_PORT: String(httpsPort + 1), BERTH_HTTPS_CERTIFICATE: join(dir, 'missing.pem'), BERTH_HTTPS_PRIVATE_KEY: join(dir, 'key.pem') } }),
      /https\.certificate: cannot read/,
    );
  });
});
