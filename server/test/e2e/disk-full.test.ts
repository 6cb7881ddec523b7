import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { RawConnection } from '../fixtures/raw-http.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';

const MiB = 1024 * 1024;

/**
 * Berth on a real full disk: its storage root is a 4 MiB tmpfs mounted in a
 * private mount namespace (unshare -m, as root), so the kernel itself
 * answers ENOSPC and nothing outside the test sees the mount.
 */
describe('a full disk answers 507 in the error envelope and keeps nothing half-written', () => {
  let berth: BerthProcess;
  let client: RegistryClient;
  let storage: string;
  let scratch: string;

  /** Names under a storage directory, as the server's mount namespace sees them. */
  const listInServer = (relative: string): string[] => {
    const out = execFileSync('nsenter', ['-t', String(berth.pid()), '-m', 'sh', '-c', 'ls -A "$0" 2>/dev/null || true', join(storage, relative)], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean);
  };

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'berth-full-'));
    storage = join(scratch, 'registry');
    execFileSync('mkdir', ['-p', storage]);
    berth = await startBerth({
      env: { BERTH_STORAGE_FILESYSTEM_ROOTDIRECTORY: storage },
      wrapper: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=4m berth-full "$0" && exec "$@"', storage],
    });
    client = new RegistryClient(berth.url);
    await client.createProject('full');
  });
  after(async () => {
    await berth.destroy();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Sends `size` bytes to `path` without waiting for the server to take them all, and returns its answer. */
  async function overflow(method: string, path: string, size: number): Promise<void> {
    const connection = await RawConnection.open(berth.url);
    try {
      await connection.send(`${method} ${path} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`);
      void connection.write(Buffer.alloc(size, 0x66));
      const answer = await connection.response(30_000);
      assert.equal(answer.status, 507, answer.body.toString());
      assert.equal(answer.json().errors[0].code, 'INSUFFICIENT_STORAGE');
    } finally {
      connection.close();
    }
  }

  it('a monolithic upload larger than the free space', async () => {
    const digest = `sha256:${'f'.repeat(64)}`;
    await overflow('POST', `/v2/full/mono/blobs/uploads/?digest=${digest}`, 6 * MiB);
    assert.deepEqual(listInServer('.tmp'), [], 'a partial temporary file is left');
    const head = await client.request('HEAD', `/v2/full/mono/blobs/${digest}`);
    assert.equal(head.status, 404);
  });

  it('a chunk larger than the free space: the chunk is refused, the upload keeps what it had and completes once it fits', async () => {
    const start = await client.request('POST', '/v2/full/chunked/blobs/uploads/');
    await start.arrayBuffer();
    const location = start.headers.get('location')!;
    const first = Buffer.alloc(MiB, 0x31);
    const patched = await client.request('PATCH', location, { body: first, headers: { 'content-type': 'application/octet-stream' } });
    await patched.arrayBuffer();
    assert.equal(patched.status, 202);

    await overflow('PATCH', location, 5 * MiB);
    assert.deepEqual(listInServer('.tmp'), [], 'a partial temporary file is left');
    const status = await client.request('GET', location);
    await status.arrayBuffer();
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${MiB - 1}`);

    // Completing writes the blob anew next to its chunks: it fits only if the refused chunk's bytes were given back.
    const last = Buffer.alloc(512 * 1024, 0x32);
    const digest = `sha256:${createHash('sha256').update(first).update(last).digest('hex')}`;
    const done = await client.request('PUT', `${location}?digest=${digest}`, { body: last, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(done.status, 201, await done.text());
    const read = await client.request('GET', `/v2/full/chunked/blobs/${digest}`);
    assert.equal(Buffer.from(await read.arrayBuffer()).length, first.length + last.length);
  });
});
