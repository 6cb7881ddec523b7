import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { freePort, startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';

function curl(args: string[]): string {
  return execFileSync('curl', ['-sS', '-D', '-', '-o', '/dev/null', ...args], { encoding: 'utf8' });
}

/** A self-signed certificate for 127.0.0.1 and its key, as `<name>.crt` and `<name>.key` in `dir`. */
function makeCertificate(dir: string, name: string): { cert: string; key: string } {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', files.key, '-out', files.cert,
  ], { stdio: 'ignore' });
  return files;
}

const fingerprint = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256;

describe('Berth serving HTTPS with its own certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
  let berth: BerthProcess;
  let httpsPort: number;
  // As Kubernetes mounts a Secret (cert-manager's renewals): tls.crt -> ..data/tls.crt, ..data -> ..<version>.
  const secret = join(dir, 'secret');

  before(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    mkdirSync(join(secret, '..v1'), { recursive: true });
    copyFileSync(join(dir, 'cert.pem'), join(secret, '..v1', 'tls.crt'));
    copyFileSync(join(dir, 'key.pem'), join(secret, '..v1', 'tls.key'));
    symlinkSync('..v1', join(secret, '..data'));
    symlinkSync('..data/tls.crt', join(secret, 'tls.crt'));
    symlinkSync('..data/tls.key', join(secret, 'tls.key'));
    httpsPort = await freePort();
    berth = await startBerth({
      env: { BERTH_HTTPS_PORT: String(httpsPort), BERTH_HTTPS_CERTIFICATE: join(secret, 'tls.crt'), BERTH_HTTPS_PRIVATE_KEY: join(secret, 'tls.key') },
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

  it('serves a renewed certificate to new connections without a restart, keeps an established connection, and keeps the old pair when a new one is broken', async () => {
    /** The certificate a new TLS connection is given. */
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: httpsPort, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.once('error', reject);
      });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const request = () =>
      new Promise<{ status: number; socket: TLSSocket }>((resolve, reject) => {
        get({ host: '127.0.0.1', port: httpsPort, path: '/v2/', agent, headers: { authorization: ADMIN_AUTH } }, (response) => {
          // Taken now: the agent detaches the socket from the response once it is back in its pool.
          const socket = response.socket as TLSSocket;
          response.resume();
          response.once('end', () => resolve({ status: response.statusCode!, socket }));
        }).once('error', reject);
      });
    const waitUntilServed = async (expected: string) => {
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        if ((await served()) === expected) return;
      }
      assert.fail(`new connections were not given ${expected}\n${berth.output()}`);
    };
    try {
      const original = fingerprint(join(dir, 'cert.pem'));
      assert.equal(await served(), original);
      const established = await request();
      assert.equal(established.status, 200);

      // The renewal, as Kubernetes' atomic writer does it: a new version directory, then ..data swapped by a rename.
      const renewed = makeCertificate(dir, 'renewed');
      mkdirSync(join(secret, '..v2'));
      copyFileSync(renewed.cert, join(secret, '..v2', 'tls.crt'));
      copyFileSync(renewed.key, join(secret, '..v2', 'tls.key'));
      symlinkSync('..v2', join(secret, '..data_tmp'));
      renameSync(join(secret, '..data_tmp'), join(secret, '..data'));
      await waitUntilServed(fingerprint(renewed.cert));

      const again = await request();
      assert.equal(again.status, 200);
      assert.equal(again.socket, established.socket, 'the kept-alive connection served the next request');
      assert.equal(again.socket.getPeerCertificate().fingerprint256, original, 'with the certificate it was opened with');
      const handedOut = execFileSync('curl', ['-sS', '-k', `https://127.0.0.1:${httpsPort}/api/v2.0/systeminfo/getcert`]);
      assert.deepEqual(handedOut, readFileSync(renewed.cert), '/systeminfo/getcert hands out the certificate now served');

      // A key that does not belong to the certificate, written in place: refused, the renewed pair kept.
      writeFileSync(join(secret, '..v2', 'tls.key'), readFileSync(join(dir, 'key.pem')));
      for (const deadline = Date.now() + 15_000; !/does not load; still serving the previous pair/.test(berth.output()); await new Promise((r) => setTimeout(r, 100))) {
        assert.ok(Date.now() < deadline, `the broken pair was not reported\n${berth.output()}`);
      }
      assert.equal(await served(), fingerprint(renewed.cert));
      assert.equal((await request()).status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('refuses to start when the certificate cannot be read, naming the key', async () => {
    await assert.rejects(
      startBerth({ env: { BERTH_HTTPS_PORT: String(httpsPort + 1), BERTH_HTTPS_CERTIFICATE: join(dir, 'missing.pem'), BERTH_HTTPS_PRIVATE_KEY: join(dir, 'key.pem') } }),
      /https\.certificate: cannot read/,
    );
  });
});
