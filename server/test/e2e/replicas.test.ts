import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { isAlive } from '../../src/processes.ts';
import { makeImage, sha256 } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import pg from 'pg';

describe('two Berth processes sharing one database and storage', () => {
  let a: BerthProcess;
  let b: BerthProcess;

  before(async () => {
    a = await startBerth();
    b = await startBerth({ shareWith: a });
    await new RegistryClient(a.url).createProject('ha');
  });
  after(async () => {
    await b.destroy();
    await a.destroy();
  });

  it('completes a chunked upload whose requests alternate between the processes', async () => {
    const ca = new RegistryClient(a.url);
    const cb = new RegistryClient(b.url);
    const parts = [randomBytes(300_000), randomBytes(200_000), randomBytes(100_000)];
    const whole = Buffer.concat(parts);
    const start = await ca.request('POST', '/v2/ha/app/blobs/uploads/');
    const location = start.headers.get('location')!;
    let offset = 0;
    for (const [i, part] of parts.entries()) {
      const client = i % 2 === 0 ? cb : ca;
      const response = await client.request('PATCH', location, { body: part, headers: { 'content-range': `${offset}-${offset + part.length - 1}` } });
      assert.equal(response.status, 202);
      offset += part.length;
      assert.equal(response.headers.get('range'), `0-${offset - 1}`);
    }
    const status = await ca.request('GET', location);
    assert.equal(status.headers.get('range'), `0-${whole.length - 1}`);
    const done = await cb.request('PUT', `${location}?digest=${sha256(whole)}`);
    assert.equal(done.status, 201);
    const read = await ca.request('GET', `/v2/ha/app/blobs/${sha256(whole)}`);
    assert.deepEqual(Buffer.from(await read.arrayBuffer()), whole);
  });

  it('serves an image pushed through one process from the other', async () => {
    const image = await makeImage();
    await new RegistryClient(a.url).pushImage('ha/pushed', 'v1', image);
    const get = await new RegistryClient(b.url).request('GET', '/v2/ha/pushed/manifests/v1');
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), image.manifest.bytes);
  });

  it('continues an upload after the process that started it restarts', async () => {
    const client = new RegistryClient(a.url);
    const first = randomBytes(1000);
    const second = randomBytes(1000);
    const start = await client.request('POST', '/v2/ha/restart/blobs/uploads/');
    const location = start.headers.get('location')!;
    await (await client.request('PATCH', location, { body: first })).arrayBuffer();
    await a.stop();
    await a.restart();
    await (await client.request('PATCH', location, { body: second })).arrayBuffer();
    const whole = Buffer.concat([first, second]);
    assert.equal((await client.request('PUT', `${location}?digest=${sha256(whole)}`)).status, 201);
  });
});

describe('two Berth processes started at the same instant on an empty database', () => {
  it('both serve, and the migrations are applied once, by one of them', async () => {
    const database = await createTestDatabase();
    const env = { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'info' };
    const started = await Promise.allSettled([startBerth({ env }), startBerth({ env })]);
    try {
      const [a, b] = started.map((result) => (result.status === 'fulfilled' ? result.value : assert.fail(String(result.reason))));
      for (const berth of [a!, b!]) assert.equal((await new RegistryClient(berth.url).request('GET', '/v2/')).status, 200);
      const runs = [a!, b!].map((berth) => berth.output().split('\n').filter((line) => line.includes('"applied database migrations"')).length);
      assert.deepEqual(runs.toSorted(), [0, 1], 'one process applied them, the other found nothing pending');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const applied = await client.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM kysely_migration GROUP BY name ORDER BY name');
      await client.end();
      assert.deepEqual(applied.rows, Object.keys(migrations).map((name) => ({ name, n: 1 })));
    } finally {
      for (const result of started) if (result.status === 'fulfilled') await result.value.destroy();
      await database.drop();
    }
  });
});

describe('the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-embedded-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with no database configured, generates a one-time admin password, and recovers after SIGKILL', async () => {
    const berth = await startBerth({ env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: '', BERTH_ADMIN_PASSWORD: '', BERTH_LOG_LEVEL: 'info' } });
    try {
      const file = join(dataDir, 'initial-admin-password');
      assert.ok(existsSync(file), 'the generated password is saved under the data directory');
      const password = readFileSync(file, 'utf8').trim();
      assert.ok(password.length >= 16);
      assert.ok(berth.output().includes(password), 'and printed once at first start');
      const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
      const client = new RegistryClient(berth.url, auth);
      const image = await makeImage({ layerSizes: [10] });
      await client.pushImage('library/app', 'v1', image);
      const postgresPid = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      await berth.kill();
      const deadline = Date.now() + 5000;
      while (isAlive(postgresPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(isAlive(postgresPid), false, 'PostgreSQL does not outlive a killed Berth');
      await berth.restart();
      assert.ok(!berth.output().includes(password), 'the password is not printed again');
      const get = await client.request('GET', '/v2/library/app/manifests/v1');
      assert.equal(get.status, 200);
      // A SIGTERM while requests are in flight lets every one of them finish, then stops PostgreSQL, then exits 0 at once.
      // In flight means the server has answered their headers and is still sending a 32 MiB body.
      const large = await makeImage({ layerSizes: [32 * 1024 * 1024] });
      await client.pushImage('library/large', 'v1', large);
      const layer = large.layers[0]!;
      const inFlight = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const response = await client.request('GET', `/v2/library/large/blobs/${layer.digest}`);
          assert.equal(response.status, 200);
          const reader = response.body!.getReader();
          const first = await reader.read();
          return { reader, chunks: [first.value!] };
        }),
      );
      const stopped = berth.stop();
      const bodies = await Promise.all(
        inFlight.map(async ({ reader, chunks }) => {
          for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
          return Buffer.concat(chunks);
        }),
      );
      for (const body of bodies) {
        assert.equal(body.length, layer.size, 'every in-flight download completes');
        assert.equal(sha256(body), layer.digest);
      }
      // The clients keep their connections alive; the shutdown does not wait for them to time out (72 s).
      const downloaded = Date.now();
      const code = await stopped;
      assert.equal(code, 0, berth.output());
      assert.ok(Date.now() - downloaded < 15_000, `exited ${Date.now() - downloaded} ms after the downloads finished`);
      assert.doesNotMatch(berth.output(), /terminating connection|uncaught|fatal/i);
    } finally {
      await berth.destroy();
    }
  });
});
