import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildApp } from '../../src/app.ts';
import { createDatabase } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { S3Driver } from '../../src/storage/drivers/s3.driver.ts';
import type { StorageDriver } from '../../src/storage/storage-driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';

let t: TestApp;
let harbor: HarborApi;
const USER = basic('sys-user', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await harbor.createUser('sys-user');
});
after(async () => t.close());

/** A second app on the same database (or on `db`) with `storage`: how a replica with a broken dependency answers. */
async function startSecondApp(storage: StorageDriver, db = createDatabase(t.config.database.url!, 2)) {
  const { app, health } = await buildApp({ config: t.config, db, storage, log: createLogger('fatal') });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    harbor: new HarborApi(url),
    url,
    health,
    db,
    close: async () => {
      await app.close();
      await db.destroy().catch(() => undefined);
    },
  };
}

function component(body: { components: { name: string; status: string; error?: string }[] }, name: string) {
  const found = body.components.find((c) => c.name === name);
  assert.ok(found, `component ${name} in ${JSON.stringify(body)}`);
  return found;
}

describe('ping and version', () => {
  it('answers Pong to anyone, even to credentials that would be refused elsewhere', async () => {
    for (const auth of [null, USER, basic('sys-user', 'wrong-password')]) {
      const response = await harbor.call('GET', '/ping', { auth });
      assert.equal(response.status, 200);
      assert.equal(response.body, 'Pong');
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    }
    assert.equal((await harbor.call('GET', '/users/current', { auth: basic('sys-user', 'wrong-password') })).status, 401);
  });

  it('tells clients the API version at /api/version, as Harbor does', async () => {
    const response = await fetch(`${t.url}/api/version`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { version: 'v2.0' });
  });
});

/** A probe's status and plain-text body. */
async function probe(url: string, path: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  const response = await fetch(`${url}${path}`, { headers });
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return [response.status, await response.text()];
}

describe('liveness and readiness', () => {
  it('answers ok at /livez and /readyz to anyone, even to credentials refused elsewhere', async () => {
    for (const headers of [{}, { authorization: USER }, { authorization: basic('sys-user', 'wrong-password') }] as Record<string, string>[]) {
      assert.deepEqual(await probe(t.url, '/livez', headers), [200, 'ok']);
      assert.deepEqual(await probe(t.url, '/readyz', headers), [200, 'ok']);
    }
  });

  it('answers a storm of concurrent probes ok, from one shared check', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => probe(t.url, '/readyz')));
    assert.deepEqual(new Set(answers.map((a) => a.join())), new Set(['200,ok']));
  });

  it('turns /readyz to 503 draining once the process drains, while /livez stays ok and answers close their connections', async () => {
    const second = await startSecondApp(new FilesystemDriver({ rootDirectory: t.storageRoot }));
    try {
      second.health.drain();
      assert.deepEqual(await probe(second.url, '/readyz'), [503, 'draining']);
      assert.deepEqual(await probe(second.url, '/livez'), [200, 'ok']);
      const response = await fetch(`${second.url}/v2/`, { headers: { authorization: USER } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('connection'), 'close');
    } finally {
      await second.close();
    }
  });
});

describe('health', () => {
  it('reports the database, storage and job service healthy, having really used them, and leaves no probe behind', async () => {
    const response = await harbor.call('GET', '/health', { auth: null });
    assert.equal(response.status, 200);
    assert.equal(response.body.status, 'healthy');
    assert.deepEqual(response.body.components.map((c: { name: string; status: string }) => [c.name, c.status]), [
      ['database', 'healthy'],
      ['storage', 'healthy'],
      ['jobservice', 'healthy'],
    ]);
    // The storage check wrote its probe under the root and deleted it again.
    assert.ok(existsSync(join(t.storageRoot, 'health')));
    assert.deepEqual(readdirSync(join(t.storageRoot, 'health')), []);
  });

  it('stays healthy under concurrent calls, which share one round of checks and so one probe object', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => harbor.call('GET', '/health', { auth: null })));
    for (const result of results) assert.equal(result.body.status, 'healthy');
  });

  it('reports storage unhealthy, and the whole system with it, when the storage root cannot be written; the error names no path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-health-'));
    // A regular file where the root's parent directory should be: no directory can be made there, not even by root.
    writeFileSync(join(dir, 'not-a-directory'), 'x');
    const broken = await startSecondApp(new FilesystemDriver({ rootDirectory: join(dir, 'not-a-directory', 'registry') }));
    try {
      const { body } = await broken.harbor.call('GET', '/health', { auth: null });
      assert.equal(body.status, 'unhealthy');
      assert.equal(component(body, 'database').status, 'healthy');
      const storage = component(body, 'storage');
      assert.equal(storage.status, 'unhealthy');
      assert.match(storage.error ?? '', /storage check failed \(ENOTDIR\)/);
      assert.doesNotMatch(storage.error ?? '', /not-a-directory|berth-health/);
    } finally {
      await broken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports the database unhealthy, with 503 and Retry-After for probes, when the replica has lost its connection pool', async () => {
    const second = await startSecondApp(new FilesystemDriver({ rootDirectory: t.storageRoot }));
    try {
      assert.equal((await second.harbor.call('GET', '/health', { auth: null })).body.status, 'healthy');
      await second.db.destroy();
      const { status, headers, body } = await second.harbor.call('GET', '/health', { auth: null });
      assert.equal(status, 503);
      assert.ok(Number(headers.get('retry-after')) > 0);
      assert.equal(body.errors[0].code, 'SERVICE_UNAVAILABLE');
      assert.match(body.errors[0].message, /^unhealthy: the database check failed/);
      assert.equal(body.status, 'unhealthy');
      assert.equal(component(body, 'database').status, 'unhealthy');
      assert.equal(component(body, 'storage').status, 'healthy');
      // Ping does not depend on the database, so it still answers.
      assert.equal((await second.harbor.call('GET', '/ping', { auth: null })).body, 'Pong');
      // Nor does liveness (a restart would not bring the database back); readiness takes the replica out.
      assert.deepEqual(await probe(second.url, '/livez'), [200, 'ok']);
      assert.deepEqual(await probe(second.url, '/readyz'), [503, 'database unavailable']);
    } finally {
      await second.close();
    }
  });

  it('reports an object store it cannot reach as unhealthy', async () => {
    const s3 = new S3Driver({ bucket: 'berth-nowhere', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'y', forcePathStyle: true, redirect: false });
    const second = await startSecondApp(s3);
    try {
      const { body } = await second.harbor.call('GET', '/health', { auth: null });
      assert.equal(body.status, 'unhealthy');
      assert.equal(component(body, 'storage').status, 'unhealthy');
      // And an object store has no volume size: Harbor's "not found" answer.
      const volumes = await second.harbor.call('GET', '/systeminfo/volumes');
      assert.equal(volumes.status, 404);
      assert.match(volumes.body.errors[0].message, /s3 storage has no volume/);
    } finally {
      await second.close();
    }
  });
});

describe('systeminfo/volumes', () => {
  it('gives system administrators the size and free space of the file system holding the storage', async () => {
    await t.client.createProject('sysvol');
    await t.client.pushImage('sysvol/app', 'v1', await makeImage({ layerSizes: [1024] }));
    const response = await harbor.call('GET', '/systeminfo/volumes');
    assert.equal(response.status, 200);
    assert.equal(response.body.storage.length, 1);
    const [volume] = response.body.storage;
    const fs = await statfs(t.storageRoot);
    assert.equal(volume.total, fs.blocks * fs.bsize);
    assert.ok(volume.free > 0 && volume.free <= volume.total);
    assert.ok(Math.abs(volume.free - fs.bavail * fs.bsize) < 512 * 1024 * 1024, `free ${volume.free} vs ${fs.bavail * fs.bsize}`);
  });

  it('measures the file system the storage will live on before its root exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-volume-'));
    try {
      const capacity = await new FilesystemDriver({ rootDirectory: join(dir, 'not', 'yet', 'there') }).capacity();
      const fs = await statfs(dirname(dir));
      assert.equal(capacity.total, fs.blocks * fs.bsize);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses anonymous callers with 401 and other users with 403', async () => {
    assert.equal((await harbor.call('GET', '/systeminfo/volumes', { auth: null })).status, 401);
    assert.equal((await harbor.call('GET', '/systeminfo/volumes', { auth: USER })).status, 403);
  });
});

describe('systeminfo/getcert and systeminfo', () => {
  it('answers 404 for the certificate when Berth does not serve HTTPS, and says so in has_ca_root', async () => {
    const response = await harbor.call('GET', '/systeminfo/getcert', { auth: null });
    assert.equal(response.status, 404);
    assert.equal(response.body.errors[0].code, 'NOT_FOUND');
    assert.equal((await harbor.call('GET', '/systeminfo', { auth: USER })).body.has_ca_root, false);
  });

  it('tells signed-in users the address they reached Berth under when no external_url is configured', async () => {
    const { body } = await harbor.call('GET', '/systeminfo', { auth: USER });
    assert.equal(body.external_url, t.url);
    assert.equal(body.registry_url, new URL(t.url).host);
  });
});
