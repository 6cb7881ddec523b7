import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  InvalidOffsetError,
  InvalidPathError,
  PathNotFoundError,
  type StorageDriver,
} from './storage-driver.ts';

const MiB = 1024 * 1024;

export interface DriverFixture {
  driver: StorageDriver;
  cleanup: () => Promise<void>;
}

/**
 * The behaviour the registry relies on from any StorageDriver. Each test gets
 * a fresh, empty driver from `makeDriver`.
 */
export function runStorageDriverContract(name: string, makeDriver: () => Promise<DriverFixture>): void {
  describe(`${name} storage driver contract`, () => {
    let fixture: DriverFixture;
    let driver: StorageDriver;

    beforeEach(async () => {
      fixture = await makeDriver();
      driver = fixture.driver;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('small objects', () => {
      it('getContent returns exactly the bytes putContent stored', async () => {
        const content = randomBytes(4096);
        await driver.putContent('repo/manifest', content);
        assert.deepEqual(await driver.getContent('repo/manifest'), content);
      });

      it('stores and returns an empty object', async () => {
        await driver.putContent('empty', Buffer.alloc(0));
        assert.equal((await driver.getContent('empty')).length, 0);
        assert.equal((await driver.stat('empty')).size, 0);
      });

      it('putContent replaces an existing object', async () => {
        await driver.putContent('tags/latest', Buffer.from('first, and longer'));
        await driver.putContent('tags/latest', Buffer.from('second'));
        assert.equal((await driver.getContent('tags/latest')).toString(), 'second');
      });

      it('getContent of a missing path throws PathNotFoundError', async () => {
        await assert.rejects(driver.getContent('no/such/object'), PathNotFoundError);
      });
    });

    describe('writer', () => {
      it('assembles many chunks, including one larger than a multipart part, into a byte-exact object', async () => {
        const writer = await driver.writer('uploads/big');
        const expected = createHash('sha256');
        let total = 0;
        // Odd sizes make chunk boundaries straddle every internal buffer boundary.
        const sizes = [1, 65_536, 12 * MiB, ...Array.from({ length: 60 }, (_, i) => 65_536 + i * 4099), 3 * MiB + 7];
        for (const size of sizes) {
          const chunk = randomBytes(size);
          expected.update(chunk);
          total += size;
          await writer.write(chunk);
          assert.equal(writer.size, total);
        }
        await writer.commit();

        assert.equal((await driver.stat('uploads/big')).size, total);
        assert.equal(await sha256Of(await driver.reader('uploads/big')), expected.digest('hex'));
      });

      it('makes nothing visible at the path before commit', async () => {
        const writer = await driver.writer('uploads/pending/data');
        await writer.write(randomBytes(1000));
        await assert.rejects(driver.getContent('uploads/pending/data'), PathNotFoundError);
        await assert.rejects(driver.stat('uploads/pending/data'), PathNotFoundError);
        await assert.rejects(driver.list('uploads/pending'), PathNotFoundError);
        await writer.commit();
        assert.equal((await driver.getContent('uploads/pending/data')).length, 1000);
      });

      it('keeps serving the previous object until a replacing writer commits', async () => {
        await driver.putContent('blob', Buffer.from('old'));
        const writer = await driver.writer('blob');
        await writer.write(Buffer.from('new content'));
        assert.equal((await driver.getContent('blob')).toString(), 'old');
        await writer.commit();
        assert.equal((await driver.getContent('blob')).toString(), 'new content');
      });

      it('leaves nothing behind when cancelled, even after more than a part was written, and may be cancelled twice', async () => {
        const writer = await driver.writer('uploads/cancelled');
        await writer.write(randomBytes(6 * MiB));
        await writer.write(randomBytes(6 * MiB));
        await writer.cancel();
        await writer.cancel();
        await assert.rejects(driver.stat('uploads/cancelled'), PathNotFoundError);
        await assert.rejects(driver.list('uploads'), PathNotFoundError);
      });

      it('purgeTemporary never touches committed objects nor makes an abandoned writer visible', async () => {
        await driver.putContent('kept/object', Buffer.from('kept'));
        const abandoned = await driver.writer('abandoned/object');
        await abandoned.write(randomBytes(6 * MiB));
        await abandoned.write(randomBytes(6 * MiB));
        assert.equal(await driver.purgeTemporary(new Date(Date.now() - 60_000)), 0, 'recent writers are left alone');
        await driver.purgeTemporary(new Date(Date.now() + 60_000));
        assert.deepEqual(await driver.getContent('kept/object'), Buffer.from('kept'));
        await assert.rejects(driver.stat('abandoned/object'), PathNotFoundError);
        await abandoned.cancel();
      });

      it('leaves a previous object untouched when a replacing writer is cancelled', async () => {
        await driver.putContent('blob', Buffer.from('kept'));
        const writer = await driver.writer('blob');
        await writer.write(Buffer.from('discarded'));
        await writer.cancel();
        assert.equal((await driver.getContent('blob')).toString(), 'kept');
      });

      it('refuses writes after commit', async () => {
        const writer = await driver.writer('done');
        await writer.write(Buffer.from('x'));
        await writer.commit();
        await assert.rejects(writer.write(Buffer.from('y')));
        assert.equal((await driver.getContent('done')).toString(), 'x');
      });
    });

    describe('reader', () => {
      const content = Buffer.from('0123456789abcdefghij');

      beforeEach(async () => {
        await driver.putContent('layer', content);
      });

      it('streams the whole object through buffers of at least 1 MiB', async () => {
        const stream = await driver.reader('layer');
        assert.ok(stream.readableHighWaterMark >= MiB, `highWaterMark ${stream.readableHighWaterMark}`);
        assert.deepEqual(await buffer(stream), content);
      });

      it('streams from an offset to the end', async () => {
        assert.equal((await buffer(await driver.reader('layer', 10))).toString(), 'abcdefghij');
      });

      it('streams a range given by offset and length', async () => {
        assert.equal((await buffer(await driver.reader('layer', 3, 4))).toString(), '3456');
        assert.equal((await buffer(await driver.reader('layer', 0, 1))).toString(), '0');
        assert.equal((await buffer(await driver.reader('layer', 19, 1))).toString(), 'j');
      });

      it('yields nothing for a zero length', async () => {
        assert.equal((await buffer(await driver.reader('layer', 5, 0))).length, 0);
      });

      it('yields nothing at an offset equal to the size', async () => {
        assert.equal((await buffer(await driver.reader('layer', content.length))).length, 0);
      });

      it('yields nothing for an empty object', async () => {
        await driver.putContent('empty', Buffer.alloc(0));
        assert.equal((await buffer(await driver.reader('empty'))).length, 0);
        assert.equal((await buffer(await driver.reader('empty', 0))).length, 0);
      });

      it('throws InvalidOffsetError for an offset past the end', async () => {
        await assert.rejects(driver.reader('layer', content.length + 1), InvalidOffsetError);
        await assert.rejects(driver.reader('layer', content.length + 1, 1), InvalidOffsetError);
        await assert.rejects(driver.reader('layer', content.length + 1, 0), InvalidOffsetError);
      });

      it('throws InvalidOffsetError for a negative offset', async () => {
        await assert.rejects(driver.reader('layer', -1), InvalidOffsetError);
      });

      it('throws PathNotFoundError for a missing path', async () => {
        await assert.rejects(driver.reader('missing'), PathNotFoundError);
        await assert.rejects(driver.reader('missing', 4, 2), PathNotFoundError);
      });
    });

    describe('copyTo', () => {
      async function collect(path: string, offset?: number, length?: number): Promise<Buffer> {
        const chunks: Buffer[] = [];
        // Copy each chunk: the driver may reuse its buffer once write() resolves.
        await driver.copyTo(path, { write: async (chunk) => void chunks.push(Buffer.from(chunk)) }, offset, length);
        return Buffer.concat(chunks);
      }

      it('sends exactly the object’s bytes, whole and by range, even across recycled buffers', async () => {
        const content = randomBytes(5 * MiB + 123);
        await driver.putContent('copy/big', content);
        assert.deepEqual(await collect('copy/big'), content);
        assert.deepEqual(await collect('copy/big', 3 * MiB, MiB + 7), content.subarray(3 * MiB, 4 * MiB + 7));
        assert.deepEqual(await collect('copy/big', content.length), Buffer.alloc(0));
      });

      it('fails before writing anything for a missing object or an offset past the end', async () => {
        let writes = 0;
        const sink = { write: async () => void writes++ };
        await assert.rejects(driver.copyTo('copy/missing', sink), PathNotFoundError);
        await driver.putContent('copy/small', Buffer.from('abc'));
        await assert.rejects(driver.copyTo('copy/small', sink, 4), InvalidOffsetError);
        assert.equal(writes, 0);
      });
    });

    describe('stat', () => {
      it('reports the size and modification time of an object', async () => {
        const before = Date.now();
        await driver.putContent('a/object', randomBytes(1234));
        const info = await driver.stat('a/object');
        assert.equal(info.path, 'a/object');
        assert.equal(info.size, 1234);
        assert.equal(info.isDir, false);
        // Allow for coarse timestamps (S3 keeps whole seconds) and clock skew.
        assert.ok(Math.abs(info.modTime.getTime() - before) < 60_000, `modTime ${info.modTime.toISOString()}`);
      });

      it('reports a prefix with children as a directory', async () => {
        await driver.putContent('a/b/c', Buffer.from('x'));
        const info = await driver.stat('a/b');
        assert.equal(info.isDir, true);
        assert.equal(info.path, 'a/b');
      });

      it('throws PathNotFoundError for a missing path', async () => {
        await assert.rejects(driver.stat('missing'), PathNotFoundError);
      });
    });

    describe('list', () => {
      it('returns direct children, objects and subdirectories alike, as full sorted paths', async () => {
        for (const path of ['repo/z', 'repo/a', 'repo/m/deep/er', 'repo/b/c', 'repo/b/d', 'repo2/x', 'rep/x']) {
          await driver.putContent(path, Buffer.from(path));
        }
        assert.deepEqual(await driver.list('repo'), ['repo/a', 'repo/b', 'repo/m', 'repo/z']);
        assert.deepEqual(await driver.list('repo/b'), ['repo/b/c', 'repo/b/d']);
        assert.deepEqual(await driver.list('repo/m'), ['repo/m/deep']);
      });

      it('throws PathNotFoundError for a directory that does not exist', async () => {
        await driver.putContent('other/x', Buffer.from('x'));
        await assert.rejects(driver.list('missing'), PathNotFoundError);
        await assert.rejects(driver.list('other/x/y'), PathNotFoundError);
      });
    });

    describe('move', () => {
      it('moves an object to a new path, creating its parents', async () => {
        await driver.putContent('uploads/u1/data', Buffer.from('blob bytes'));
        await driver.move('uploads/u1/data', 'blobs/sha256/ab/abcd/data');
        assert.equal((await driver.getContent('blobs/sha256/ab/abcd/data')).toString(), 'blob bytes');
        await assert.rejects(driver.stat('uploads/u1/data'), PathNotFoundError);
      });

      it('replaces the object at the destination', async () => {
        await driver.putContent('source', Buffer.from('new'));
        await driver.putContent('dest', Buffer.from('old and longer'));
        await driver.move('source', 'dest');
        assert.equal((await driver.getContent('dest')).toString(), 'new');
        await assert.rejects(driver.getContent('source'), PathNotFoundError);
      });

      it('leaves an object moved onto itself in place', async () => {
        await driver.putContent('same', Buffer.from('same'));
        await driver.move('same', 'same');
        assert.equal((await driver.getContent('same')).toString(), 'same');
      });

      it('throws PathNotFoundError for a missing source', async () => {
        await assert.rejects(driver.move('missing', 'dest'), PathNotFoundError);
        await assert.rejects(driver.stat('dest'), PathNotFoundError);
      });
    });

    describe('delete', () => {
      it('deletes a single object and leaves its siblings', async () => {
        await driver.putContent('dir/a', Buffer.from('a'));
        await driver.putContent('dir/b', Buffer.from('b'));
        await driver.delete('dir/a');
        await assert.rejects(driver.getContent('dir/a'), PathNotFoundError);
        assert.deepEqual(await driver.list('dir'), ['dir/b']);
      });

      it('deletes everything under a prefix, but not paths that merely share its first characters', async () => {
        for (const path of ['repo/a', 'repo/b/c', 'repo/b/d/e', 'repository/keep', 'repo-keep']) {
          await driver.putContent(path, Buffer.from(path));
        }
        await driver.delete('repo');
        await assert.rejects(driver.stat('repo'), PathNotFoundError);
        await assert.rejects(driver.list('repo'), PathNotFoundError);
        await assert.rejects(driver.getContent('repo/b/d/e'), PathNotFoundError);
        assert.equal((await driver.getContent('repository/keep')).toString(), 'repository/keep');
        assert.equal((await driver.getContent('repo-keep')).toString(), 'repo-keep');
      });

      it('accepts a path that does not exist', async () => {
        await driver.delete('never/existed');
      });
    });

    describe('path safety', () => {
      const unsafePaths = ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', './a', 'a/', '', 'a\\b'];
      const valid = 'valid/path';
      const operations: Array<[string, (path: string) => Promise<unknown>]> = [
        ['getContent', (path) => driver.getContent(path)],
        ['putContent', (path) => driver.putContent(path, Buffer.from('x'))],
        ['reader', (path) => driver.reader(path)],
        ['writer', (path) => driver.writer(path)],
        ['stat', (path) => driver.stat(path)],
        ['list', (path) => driver.list(path)],
        ['move from', (path) => driver.move(path, valid)],
        ['move to', (path) => driver.move(valid, path)],
        ['delete', (path) => driver.delete(path)],
        ['redirectURL', (path) => driver.redirectURL(path, 'GET')],
      ];

      it('every operation refuses paths that are absolute, empty or have . or .. segments', async () => {
        await driver.putContent(valid, Buffer.from('x'));
        for (const [operation, call] of operations) {
          for (const path of unsafePaths) {
            await assert.rejects(call(path), InvalidPathError, `${operation}(${JSON.stringify(path)})`);
          }
        }
        assert.equal((await driver.getContent(valid)).toString(), 'x');
      });
    });
  });
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
