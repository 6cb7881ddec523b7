import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { chunkedBody, RawConnection, type RawResponse } from '../fixtures/raw-http.ts';

let t: TestApp;
const IDLE_TIMEOUT_MS = 1500;
let uploadPath: string;

before(async () => {
  t = await startTestApp({ BERTH_HTTP_UPLOAD_IDLE_TIMEOUT: `${IDLE_TIMEOUT_MS}ms` });
  await t.client.createProject('edge');
  const start = await t.client.request('POST', '/v2/edge/app/blobs/uploads/');
  await start.arrayBuffer();
  uploadPath = start.headers.get('location')!;
});
after(async () => t.close());

/**
 * After an answer given before the body was read, the connection either
 * serves the next request or was closed after saying so (Connection: close);
 * it never stays open without answering.
 */
async function assertConnectionUsable(connection: RawConnection, first: RawResponse): Promise<void> {
  await connection.send(`GET /v2/ HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\n\r\n`);
  const next = await connection.readResponse(10_000);
  if (first.headers.get('connection')?.toLowerCase() === 'close') {
    assert.equal(next, 'closed', 'a connection announced as closing must close');
  } else {
    assert.notEqual(next, 'closed', 'a keep-alive connection was closed without Connection: close');
    assert.equal((next as RawResponse).status, 200);
  }
  connection.close();
}

interface EarlyCase {
  name: string;
  head: (length: string) => string;
  status: number;
  code: string;
}

const BODY_SIZE = 6 * 1024 * 1024;
const cases: EarlyCase[] = [
  {
    name: 'a manifest over the size limit',
    head: (length) => `PUT /v2/edge/app/manifests/big HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n${length}\r\n`,
    status: 413,
    code: 'MANIFEST_TOO_LARGE',
  },
  {
    name: 'an anonymous chunk upload (401 before the body)',
    head: (length) => `PATCH ${uploadPath} HTTP/1.1\r\nHost: berth\r\nContent-Type: application/octet-stream\r\n${length}\r\n`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a monolithic upload to a project that does not exist (404)',
    head: (length) => `POST /v2/nosuch/app/blobs/uploads/?digest=sha256:${'0'.repeat(64)} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\n${length}\r\n`,
    status: 404,
    code: 'NAME_UNKNOWN',
  },
  {
    name: 'an upload with an invalid digest (400)',
    head: (length) => `PUT ${uploadPath}?digest=nonsense HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\n${length}\r\n`,
    status: 400,
    code: 'DIGEST_INVALID',
  },
  {
    name: 'a Harbor API body over the JSON limit (413)',
    head: (length) => `POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/json\r\n${length}\r\n`,
    status: 413,
    code: 'SIZE_INVALID',
  },
  {
    name: 'a Harbor API write with wrong credentials (401 before the body)',
    head: (length) => `POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nAuthorization: Basic ${Buffer.from('admin:wrong').toString('base64')}\r\nContent-Type: application/json\r\n${length}\r\n`,
    status: 401,
    code: 'UNAUTHORIZED',
  },
  {
    name: 'a sign-in form over its limit (413)',
    head: (length) => `POST /c/login HTTP/1.1\r\nHost: berth\r\nContent-Type: application/x-www-form-urlencoded\r\n${length}\r\n`,
    status: 413,
    code: 'SIZE_INVALID',
  },
];

describe('an answer given before the request body was read leaves the connection usable', () => {
  for (const c of cases) {
    it(`${c.name}, body sent chunked`, async () => {
      const connection = await RawConnection.open(t.url);
      await connection.send(c.head('Transfer-Encoding: chunked\r\n'));
      // Not awaited: a server that stops reading leaves this write pending.
      void connection.write(Buffer.concat([chunkedBody(BODY_SIZE), Buffer.from('0\r\n\r\n')]));
      const first = await connection.response();
      assert.equal(first.status, c.status, first.body.toString());
      assert.equal(first.json().errors[0].code, c.code);
      await assertConnectionUsable(connection, first);
    });

    it(`${c.name}, body with Content-Length`, async () => {
      const connection = await RawConnection.open(t.url);
      await connection.send(c.head(`Content-Length: ${BODY_SIZE}\r\n`));
      void connection.write(Buffer.alloc(BODY_SIZE, 0x61));
      const first = await connection.response();
      assert.equal(first.status, c.status, first.body.toString());
      assert.equal(first.json().errors[0].code, c.code);
      await assertConnectionUsable(connection, first);
    });
  }

  it('requests without a body, and answers that are not early, keep their connection alive', async () => {
    const connection = await RawConnection.open(t.url);
    for (const path of ['/v2/', '/v2/edge/app/tags/list', '/api/v2.0/projects', '/v2/edge/nosuch/manifests/v1']) {
      await connection.send(`GET ${path} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\n\r\n`);
      const response = await connection.response();
      assert.notEqual(response.headers.get('connection')?.toLowerCase(), 'close', path);
    }
    connection.close();
  });

  it('a request whose body arrived in full keeps its connection alive', async () => {
    const connection = await RawConnection.open(t.url);
    const body = JSON.stringify({ project_name: 'edge' });
    await connection.send(`POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    const first = await connection.response();
    assert.equal(first.status, 409);
    assert.notEqual(first.headers.get('connection')?.toLowerCase(), 'close');
    await assertConnectionUsable(connection, first);
  });
});

describe('malformed HTTP is answered in the error envelope, and the connection closed', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const malformed: [string, string | Buffer, number][] = [
    ['headers over the size limit', `GET /v2/ HTTP/1.1\r\nHost: berth\r\nX-Padding: ${'a'.repeat(32 * 1024)}\r\n\r\n`, 431],
    ['a non-numeric Content-Length', 'POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nContent-Length: ten\r\n\r\n', 400],
    ['Content-Length together with chunked framing', 'POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['a control character in a header value', 'GET /v2/ HTTP/1.1\r\nHost: berth\r\nX-Bad: a\u0001b\r\n\r\n', 400],
    ['a chunk size that is not hexadecimal', `POST /api/v2.0/projects HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
  ];
  for (const [name, request, status] of malformed) {
    it(name, async () => {
      const connection = await RawConnection.open(t.url);
      await connection.send(request as string);
      const response = await connection.response();
      assert.equal(response.status, status, response.body.toString());
      assert.equal(response.json().errors[0].code, 'BAD_REQUEST');
      assert.equal(typeof response.json().errors[0].message, 'string');
      assert.equal(response.headers.get('connection'), 'close');
      assert.match(response.headers.get('x-request-id') ?? '', UUID);
      assert.equal(await connection.readResponse(), 'closed');
    });
  }
});

describe('an upload body that stalls is ended after the idle timeout, and the upload stays resumable', () => {
  /** Files of unfinished writes under the filesystem driver's temporary directory. */
  const temporaryFiles = () => {
    try {
      return readdirSync(join(t.storageRoot, '.tmp'));
    } catch {
      return [];
    }
  };

  it('a PATCH that stops sending gets 408, its partial chunk is discarded, and the session resumes', async (test) => {
    const start = await t.client.request('POST', '/v2/edge/stall/blobs/uploads/');
    await start.arrayBuffer();
    const location = start.headers.get('location')!;
    const first = Buffer.alloc(300 * 1024, 0x62);
    const patched = await t.client.request('PATCH', location, { body: first, headers: { 'content-type': 'application/octet-stream' } });
    await patched.arrayBuffer();
    assert.equal(patched.status, 202);

    const connection = await RawConnection.open(t.url);
    test.after(() => connection.close());
    await connection.send(
      `PATCH ${location} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`,
      Buffer.alloc(200 * 1024, 0x63),
    );
    const startedAt = Date.now();
    const answer = await connection.response(IDLE_TIMEOUT_MS + 10_000);
    assert.ok(Date.now() - startedAt >= IDLE_TIMEOUT_MS - 100, 'ended before the idle timeout');
    assert.equal(answer.status, 408, answer.body.toString());
    assert.equal(answer.json().errors[0].code, 'BLOB_UPLOAD_INVALID');
    assert.equal(answer.headers.get('connection'), 'close');
    assert.equal(await connection.readResponse(), 'closed');
    assert.deepEqual(temporaryFiles(), [], 'the partial chunk is left in storage');

    const status = await t.client.request('GET', location);
    await status.arrayBuffer();
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${first.length - 1}`);
    const rest = Buffer.alloc(100 * 1024, 0x64);
    const blob = Buffer.concat([first, rest]);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const done = await t.client.request('PUT', `${location}?digest=${digest}`, { body: rest, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(done.status, 201, await done.text());
    const head = await t.client.request('HEAD', `/v2/edge/stall/blobs/${digest}`);
    assert.equal(head.headers.get('content-length'), String(blob.length));
  });

  it('a monolithic upload that stops sending gets 408 and leaves nothing behind', async (test) => {
    const connection = await RawConnection.open(t.url);
    test.after(() => connection.close());
    await connection.send(
      `POST /v2/edge/stall/blobs/uploads/?digest=sha256:${'1'.repeat(64)} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      chunkedBody(100 * 1024),
    );
    const answer = await connection.response(IDLE_TIMEOUT_MS + 10_000);
    assert.equal(answer.status, 408, answer.body.toString());
    assert.equal(answer.json().errors[0].code, 'BLOB_UPLOAD_INVALID');
    assert.equal(await connection.readResponse(), 'closed');
    assert.deepEqual(temporaryFiles(), []);
  });

  it('a manifest PUT that stops sending gets 408 and stores nothing', async (test) => {
    const connection = await RawConnection.open(t.url);
    test.after(() => connection.close());
    await connection.send(
      `PUT /v2/edge/stall/manifests/stalled HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 4000\r\n\r\n`,
      '{"schemaVersion":2,',
    );
    const answer = await connection.response(IDLE_TIMEOUT_MS + 10_000);
    assert.equal(answer.status, 408, answer.body.toString());
    assert.equal(answer.json().errors[0].code, 'MANIFEST_INVALID');
    assert.equal(await connection.readResponse(), 'closed');
    const get = await t.client.request('GET', '/v2/edge/stall/manifests/stalled');
    await get.arrayBuffer();
    assert.equal(get.status, 404);
  });
});
