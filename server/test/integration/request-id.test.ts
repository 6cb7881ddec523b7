import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { createLogger } from '../../src/logger.ts';
import { UPLOAD_PURGE } from '../../src/jobs/upload-purge.job.ts';

/** The lines a logger writes to `sink`, as they come. */
function capturedLines(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

/** Storage whose root is a regular file: every write fails with an error Berth did not anticipate. */
function brokenStorage(): { storage: FilesystemDriver; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-reqid-'));
  const root = join(dir, 'not-a-directory');
  writeFileSync(root, '');
  return { storage: new FilesystemDriver({ rootDirectory: root }), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let t: TestApp;
let layerDigest: string;

before(async () => {
  t = await startTestApp();
  await t.client.createProject('ids');
  const image = await makeImage();
  await t.client.pushImage('ids/app', 'v1', image);
  layerDigest = image.layers[0]!.digest;
});
after(async () => t.close());

async function requestId(path: string, sent?: string, method = 'GET'): Promise<string | null> {
  const response = await fetch(`${t.url}${path}`, { method, headers: { authorization: ADMIN_AUTH, ...(sent !== undefined && { 'x-request-id': sent }) } });
  await response.arrayBuffer();
  return response.headers.get('x-request-id');
}

describe('X-Request-Id: every response carries the request id, the client\'s when it sent a sane one', () => {
  const paths = ['/v2/', '/v2/ids/app/manifests/v1', '/v2/ids/app/tags/list', '/api/v2.0/projects', '/api/v2.0/ping', '/v2/nosuch/app/manifests/v1', '/api/v2.0/nosuch', '/api/v2.0/projects/%FF'];
  for (const path of paths) {
    it(`echoes the client's id and makes one otherwise: ${path}`, async () => {
      assert.equal(await requestId(path, 'trace-4f2a.9:b/c+d=@x'), 'trace-4f2a.9:b/c+d=@x');
      assert.match((await requestId(path)) ?? '', UUID);
    });
  }

  it('on blob downloads, whose bytes bypass the reply', async () => {
    assert.equal(await requestId(`/v2/ids/app/blobs/${layerDigest}`, 'blob-download-1'), 'blob-download-1');
  });

  it('replaces an id that is too long or has characters unsafe for logs and headers', async () => {
    for (const sent of ['x'.repeat(129), 'a b', 'a"b', 'a\u00e9b', '']) {
      const answered = await requestId('/v2/', sent);
      assert.match(answered ?? '', UUID, `${JSON.stringify(sent)} → ${answered}`);
    }
  });

  it('a 500 names it, and the log line of the failure carries it', async () => {
    const { lines, sink } = capturedLines();
    const broken = brokenStorage();
    const { app } = await buildApp({ config: t.config, db: t.db, storage: broken.storage, log: createLogger('info', sink) });
    try {
      const url = await listen(app);
      const body = Buffer.from('some bytes');
      const response = await fetch(`${url}/v2/ids/app/blobs/uploads/?digest=sha256:${'0'.repeat(64)}`, {
        method: 'POST',
        headers: { authorization: ADMIN_AUTH, 'x-request-id': 'failing-push-7', 'content-type': 'application/octet-stream' },
        body,
      });
      const text = await response.text();
      assert.equal(response.status, 500, text);
      assert.equal(response.headers.get('x-request-id'), 'failing-push-7');
      assert.match(JSON.parse(text).errors[0].message, /request id failing-push-7/);
      const logged = lines.map((line) => JSON.parse(line) as { reqId?: string; msg?: string });
      assert.ok(logged.some((line) => line.reqId === 'failing-push-7' && line.msg === 'unhandled error'), lines.join('\n'));
    } finally {
      await app.close();
      broken.remove();
    }
  });

  it('lines services write while handling a request carry its id', async () => {
    const { lines, sink } = capturedLines();
    const broken = brokenStorage();
    const { app } = await buildApp({ config: t.config, db: t.db, storage: broken.storage, log: createLogger('info', sink) });
    try {
      const url = await listen(app);
      // The health service logs a failed check through the process logger, not request.log.
      const response = await fetch(`${url}/api/v2.0/health`, { headers: { 'x-request-id': 'health-probe-3' } });
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { status: string }).status, 'unhealthy');
      const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const failed = logged().find((line) => line.msg === 'health check failed' && line.component === 'storage');
      assert.equal(failed?.reqId, 'health-probe-3', lines.join('\n'));
      assert.equal(failed?.level, 40);

      // Lines of request.log carry the id once, from Fastify's own binding.
      assert.ok(!lines.some((line) => (line.match(/"reqId"/g) ?? []).length > 1), 'reqId twice in a line');
    } finally {
      await app.close();
      broken.remove();
    }
  });

  it("a job's log lines carry its execution and task, and no request id", async () => {
    const { lines, sink } = capturedLines();
    const broken = brokenStorage();
    // An app of its own (its own database), so no other app's workers take the job.
    const own = await startTestApp({}, { storage: broken.storage, log: createLogger('info', sink) });
    try {
      const jobs = own.jobs;
      const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      // A job whose storage fails: its error line names the job's execution and task, and no request.
      const { executionId, taskId } = await jobs.enqueue(UPLOAD_PURGE, { age_ms: 3_600_000 });
      await waitUntil(() => logged().some((line) => line.taskId === taskId && line.level === 50), "the purge's failure is logged", 30_000);
      const jobLine = logged().find((line) => line.taskId === taskId && line.level === 50);
      assert.ok(jobLine, lines.join('\n'));
      assert.equal(jobLine.executionId, executionId);
      assert.equal(jobLine.jobType, UPLOAD_PURGE);
      assert.equal(jobLine.reqId, undefined);
      assert.match(String(jobLine.msg), /attempt 1 failed/);
    } finally {
      await own.close();
      broken.remove();
    }
  });
});
