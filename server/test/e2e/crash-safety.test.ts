import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { makeImage, sha256 } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';

const MiB = 1024 * 1024;

/**
 * Streams `total` bytes of a deterministic pattern to `path`, calling
 * `onProgress` as bytes go out, and resolves when the server answers or the
 * connection drops (as it does when the server is killed).
 */
function streamUpload(base: string, method: string, path: string, total: number, chunk: Buffer, onProgress: (sent: number) => void, headers: Record<string, string> = {}): Promise<number | 'dropped'> {
  const url = new URL(path, base);
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { authorization: ADMIN_AUTH, 'content-length': String(total), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve('dropped'));
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += piece.length;
        onProgress(sent);
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

function patternDigest(total: number, chunk: Buffer): string {
  const hash = createHash('sha256');
  for (let sent = 0; sent < total; sent += chunk.length) hash.update(chunk.subarray(0, Math.min(chunk.length, total - sent)));
  return `sha256:${hash.digest('hex')}`;
}

function blobFiles(root: string): string[] {
  const dir = join(root, 'registry', 'blobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('/data'));
}

describe('a server killed with SIGKILL in the middle of a write', () => {
  let berth: BerthProcess;
  let client: RegistryClient;

  before(async () => {
    berth = await startBerth();
    client = new RegistryClient(berth.url);
    await client.createProject('crash');
  });
  after(async () => berth.destroy());

  it('shows nothing of a half-uploaded large blob after restart, and the push then succeeds', async () => {
    const chunk = randomBytes(MiB);
    const total = 256 * MiB;
    const digest = patternDigest(total, chunk);
    const before = blobFiles(berth.dataDir);
    let killing: Promise<void> | undefined;
    const outcome = await streamUpload(berth.url, 'POST', `/v2/crash/big/blobs/uploads/?digest=${digest}`, total, chunk, (sent) => {
      if (sent >= 64 * MiB && !killing) killing = berth.kill();
    });
    await killing;
    assert.equal(outcome, 'dropped');
    await berth.restart();
    const head = await client.request('HEAD', `/v2/crash/big/blobs/${digest}`);
    assert.equal(head.status, 404, 'the half-written blob must not be visible');
    assert.deepEqual(blobFiles(berth.dataDir), before, 'no bytes reached a content address');
    const retry = await streamUpload(berth.url, 'POST', `/v2/crash/big/blobs/uploads/?digest=${digest}`, total, chunk, () => {});
    assert.equal(retry, 201);
    const after = await client.request('HEAD', `/v2/crash/big/blobs/${digest}`);
    assert.equal(after.status, 200);
    assert.equal(after.headers.get('content-length'), String(total));
  });

  it('gives back the temporary file of a write cut off by SIGKILL at the next start, not days later', async () => {
    const temporary = join(berth.dataDir, 'registry', '.tmp');
    const temporaryFiles = () => (existsSync(temporary) ? readdirSync(temporary) : []);
    const chunk = randomBytes(MiB);
    const total = 64 * MiB;
    let killing: Promise<void> | undefined;
    const outcome = await streamUpload(berth.url, 'POST', `/v2/crash/reclaim/blobs/uploads/?digest=${patternDigest(total, chunk)}`, total, chunk, (sent) => {
      if (sent >= 16 * MiB && !killing) killing = berth.kill();
    });
    await killing;
    assert.equal(outcome, 'dropped');
    assert.ok(temporaryFiles().length > 0, 'the killed write left no temporary file: nothing to test');
    await berth.restart();
    assert.deepEqual(temporaryFiles(), [], 'the dead writer\'s temporary file is still there');
  });

  it('keeps the committed chunks of a chunked upload across a kill mid-chunk, so the client can resume', async () => {
    const chunk = randomBytes(MiB);
    const start = await client.request('POST', '/v2/crash/chunked/blobs/uploads/');
    const location = start.headers.get('location')!;
    const first = await client.request('PATCH', location, { body: chunk, headers: { 'content-range': `0-${MiB - 1}` } });
    assert.equal(first.status, 202);
    let killing: Promise<void> | undefined;
    const outcome = await streamUpload(berth.url, 'PATCH', location, 128 * MiB, chunk, (sent) => {
      if (sent >= 32 * MiB && !killing) killing = berth.kill();
    }, { 'content-range': `${MiB}-${129 * MiB - 1}` });
    await killing;
    assert.equal(outcome, 'dropped');
    await berth.restart();
    const status = await client.request('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${MiB - 1}`, 'only the committed chunk counts');
    const second = await client.request('PATCH', location, { body: chunk, headers: { 'content-range': `${MiB}-${2 * MiB - 1}` } });
    assert.equal(second.status, 202);
    const whole = Buffer.concat([chunk, chunk]);
    const done = await client.request('PUT', `${location}?digest=${sha256(whole)}`);
    assert.equal(done.status, 201);
    const read = await client.request('GET', `/v2/crash/chunked/blobs/${sha256(whole)}`);
    assert.deepEqual(Buffer.from(await read.arrayBuffer()), whole);
  });

  it('shows no trace of a manifest whose push was cut off, and the push then succeeds', async () => {
    const image = await makeImage({ layerSizes: [1000] });
    for (const blob of [image.config, ...image.layers]) await client.pushBlob('crash/manifest', blob);
    const body = image.manifest.bytes;
    let killing: Promise<void> | undefined;
    const half = Math.floor(body.length / 2);
    // Send half the manifest, then kill the server while it waits for the rest.
    const outcome = await new Promise<number | 'dropped'>((resolve) => {
      const url = new URL(`/v2/crash/manifest/manifests/v1`, berth.url);
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: 'PUT', path: url.pathname, headers: { authorization: ADMIN_AUTH, 'content-type': image.manifest.mediaType, 'content-length': String(body.length) } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', () => resolve('dropped'));
      req.write(body.subarray(0, half), () => {
        killing = berth.kill();
      });
    });
    await killing;
    assert.equal(outcome, 'dropped');
    await berth.restart();
    assert.equal((await client.request('GET', '/v2/crash/manifest/manifests/v1')).status, 404);
    assert.equal((await client.request('GET', `/v2/crash/manifest/manifests/${image.manifest.digest}`)).status, 404);
    const tags = await client.request('GET', '/v2/crash/manifest/tags/list');
    assert.deepEqual(((await tags.json()) as { tags: string[] }).tags, []);
    assert.equal((await client.pushManifest('crash/manifest', 'v1', image.manifest)).status, 201);
    const get = await client.request('GET', '/v2/crash/manifest/manifests/v1');
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), body);
  });

  it('never shows a partial image when manifest pushes are killed at random instants', async () => {
    const image = await makeImage({ layerSizes: [100] });
    for (const blob of [image.config, ...image.layers]) await client.pushBlob('crash/random', blob);
    for (let round = 0; round < 5; round++) {
      const push = client.pushManifest('crash/random', `r${round}`, image.manifest).then(
        (r) => r.status,
        () => 'dropped' as const,
      );
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      await berth.kill();
      const outcome = await push;
      await berth.restart();
      // The push either completed or was cut off by the kill: no other answer is an outcome.
      assert.ok(outcome === 201 || outcome === 'dropped', `push answered ${outcome}`);
      const get = await client.request('GET', `/v2/crash/random/manifests/r${round}`);
      if (outcome === 201) assert.equal(get.status, 200, 'an acknowledged push survives the kill');
      if (get.status === 200) assert.deepEqual(Buffer.from(await get.arrayBuffer()), image.manifest.bytes);
      else assert.equal(get.status, 404);
    }
  });
});
