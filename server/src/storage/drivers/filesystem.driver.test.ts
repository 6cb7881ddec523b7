import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { runStorageDriverContract } from '../storage-driver.contract.ts';
import { InvalidPathError, PathNotFoundError } from '../storage-driver.ts';
import { FilesystemDriver } from './filesystem.driver.ts';

async function makeRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'berth-fs-driver-'));
}

runStorageDriverContract('filesystem', async () => {
  const rootDirectory = await makeRoot();
  return {
    driver: new FilesystemDriver({ rootDirectory }),
    cleanup: () => rm(rootDirectory, { recursive: true, force: true }),
  };
});

describe('filesystem storage driver', () => {
  let root: string;
  let driver: FilesystemDriver;

  beforeEach(async () => {
    root = await makeRoot();
    driver = new FilesystemDriver({ rootDirectory: root });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores an object as a plain file at its path under the root', async () => {
    await driver.putContent('blobs/sha256/ab/data', Buffer.from('bytes'));
    assert.equal(await readFile(join(root, 'blobs', 'sha256', 'ab', 'data'), 'utf8'), 'bytes');
  });

  it('keeps uncommitted data in a temporary area that list does not show', async () => {
    await driver.putContent('repo/existing', Buffer.from('x'));
    const writer = await driver.writer('repo/new');
    await writer.write(Buffer.from('in progress'));

    assert.deepEqual(await driver.list('repo'), ['repo/existing']);
    assert.deepEqual(await readdir(join(root, 'repo')), ['existing']);
    assert.equal((await readdir(join(root, '.tmp'))).length, 1);

    await writer.commit();
    assert.deepEqual(await driver.list('repo'), ['repo/existing', 'repo/new']);
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
  });

  it('removes the temporary file when a writer is cancelled', async () => {
    const writer = await driver.writer('repo/cancelled');
    await writer.write(Buffer.alloc(3 * 1024 * 1024, 1));
    await writer.cancel();
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
  });

  it('leaves nothing at the destination when the process dies before commit', async () => {
    const writer = await driver.writer('repo/interrupted');
    await writer.write(Buffer.alloc(2 * 1024 * 1024, 7));

    // A fresh driver on the same root stands in for the restarted process.
    const restarted = new FilesystemDriver({ rootDirectory: root });
    await assert.rejects(restarted.stat('repo/interrupted'), PathNotFoundError);
    await assert.rejects(restarted.list('repo'), PathNotFoundError);

    await writer.cancel(); // only to release the file handle
  });

  it('purges the temporary file of a process that died before commit', async () => {
    const writer = await driver.writer('repo/orphan');
    await writer.write(Buffer.alloc(1024, 7));
    const restarted = new FilesystemDriver({ rootDirectory: root });
    assert.equal(await restarted.purgeTemporary(new Date(Date.now() + 1000)), 1);
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
    await writer.cancel();
  });

  it('refuses paths inside its temporary area', async () => {
    await assert.rejects(driver.getContent('.tmp'), InvalidPathError);
    await assert.rejects(driver.list('.tmp'), InvalidPathError);
    await assert.rejects(driver.delete('.tmp/anything'), InvalidPathError);
  });

  it('lists an emptied directory as missing, as an object store would', async () => {
    await driver.putContent('dir/only', Buffer.from('x'));
    await driver.delete('dir/only');
    await assert.rejects(driver.list('dir'), PathNotFoundError);
  });

  it('reclaims at start the temporary files of writers that died on this kernel, and only those', async () => {
    const live = await driver.writer('blobs/live');
    await live.write(Buffer.from('in flight'));
    const [liveName] = await readdir(join(root, '.tmp'));
    const [, , , kernel] = /^([^.]+)\.(\d+)\.([0-9a-f]{8})\.(.+)$/.exec(liveName!)!.slice(1);
    const exited = spawnSync('true');
    const files = {
      deadPid: `${randomUUID()}.${exited.pid}.0badf00d.${kernel}`,
      ourPidEarlierLife: `${randomUUID()}.${process.pid}.0badf00d.${kernel}`,
      otherKernel: `${randomUUID()}.${exited.pid}.0badf00d.00000000-0000-0000-0000-000000000000-1`,
      unowned: randomUUID(),
    };
    for (const name of Object.values(files)) await writeFile(join(root, '.tmp', name), 'partial');
    assert.equal(await driver.reclaimDeadWriters(), 2);
    assert.deepEqual((await readdir(join(root, '.tmp'))).sort(), [liveName, files.otherKernel, files.unowned].sort());
    await live.commit();
    assert.equal(await readFile(join(root, 'blobs', 'live'), 'utf8'), 'in flight');
  });
});
