import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { RawConnection, type RawResponse } from '../fixtures/raw-http.ts';

const CHUNK = Buffer.alloc(64 * 1024, 0x62);

async function waitFor<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const value = await attempt();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** GET on a new connection: the status and body, or 'refused' once nothing listens. */
async function getFresh(url: string): Promise<{ status: number; body: string; connection: string | null } | 'refused'> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text(), connection: response.headers.get('connection') };
  } catch (error) {
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    if (code === 'ECONNREFUSED') return 'refused';
    throw error;
  }
}

/** A new upload session's path (POST /blobs/uploads/). */
async function startUpload(berth: BerthProcess, repository: string): Promise<string> {
  const response = await fetch(`${berth.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization: ADMIN_AUTH } });
  await response.arrayBuffer();
  assert.equal(response.status, 202);
  return response.headers.get('location')!;
}

/**
 * A monolithic PUT of `size` bytes whose head the server has taken (it
 * answered 100 Continue, so the request is in flight, not a connection it
 * could close as idle) and whose body the test then sends at its own pace.
 */
async function slowUpload(berth: BerthProcess, location: string, chunks: number): Promise<{ connection: RawConnection; digest: string }> {
  const body = Buffer.concat(Array.from({ length: chunks }, () => CHUNK));
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const connection = await RawConnection.open(berth.url);
  await connection.send(
    `PUT ${location}?digest=${digest} HTTP/1.1\r\nHost: berth\r\nAuthorization: ${ADMIN_AUTH}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
  );
  assert.equal((await connection.response()).status, 100);
  return { connection, digest };
}

describe('berth serve behind a proxy, then shut down (SIGTERM)', () => {
  let berth: BerthProcess;
  before(async () => {
    // 127.0.0.2 is the proxy; the test's other connections come from 127.0.0.1. Debug: request lines are logged.
    berth = await startBerth({ env: { BERTH_HTTP_TRUSTED_PROXIES: '127.0.0.2', BERTH_LOG_LEVEL: 'debug', BERTH_HTTP_SHUTDOWN_DELAY: '1500ms', BERTH_HTTP_DRAIN_TIMEOUT: '20s' } });
  });
  after(async () => berth.destroy());

  /** A /v2/ challenge and an upload start from `localAddress`, claiming the client used https://registry.example.com from 198.51.100.7. */
  async function throughProxy(localAddress: string): Promise<{ challenge: RawResponse; upload: RawResponse }> {
    const connection = await RawConnection.open(berth.url, localAddress);
    try {
      const forwarded = `Host: ${berth.host}\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: registry.example.com\r\nX-Forwarded-For: 198.51.100.7\r\n`;
      await connection.send(`GET /v2/ HTTP/1.1\r\n${forwarded}\r\n`);
      const challenge = await connection.response();
      await connection.send(`POST /v2/library/proxied/blobs/uploads/ HTTP/1.1\r\n${forwarded}Authorization: ${ADMIN_AUTH}\r\nContent-Length: 0\r\n\r\n`);
      return { challenge, upload: await connection.response() };
    } finally {
      connection.close();
    }
  }

  it('ignores X-Forwarded-* from a peer not in http.trusted_proxies: realm, Location and the logged client address are its own', async () => {
    const { challenge, upload } = await throughProxy('127.0.0.1');
    assert.equal(challenge.headers.get('www-authenticate'), `Bearer realm="${berth.url}/service/token",service="harbor-registry"`);
    assert.equal(upload.status, 202);
    assert.match(upload.headers.get('location')!, /^\/v2\/library\/proxied\/blobs\/uploads\/[^/]+$/);
    assert.match(berth.output(), /ignoring X-Forwarded-Proto\/-Host from 127\.0\.0\.1, which is not in http\.trusted_proxies/);
    assert.doesNotMatch(berth.output(), /"remoteAddress":"198\.51\.100\.7"/);
  });

  it('believes them from the trusted proxy: the realm is the external address and the client address the forwarded one', async () => {
    const { challenge, upload } = await throughProxy('127.0.0.2');
    assert.equal(challenge.headers.get('www-authenticate'), 'Bearer realm="https://registry.example.com/service/token",service="harbor-registry"');
    assert.equal(upload.status, 202);
    assert.match(upload.headers.get('location')!, /^\/v2\/library\/proxied\/blobs\/uploads\/[^/]+$/, 'relative: resolved against the address the client used');
    assert.match(berth.output(), /"remoteAddress":"198\.51\.100\.7"/);
  });

  it('turns /readyz 503 at once, keeps accepting through shutdown_delay, finishes the upload in flight and exits 0', async () => {
    assert.deepEqual(await getFresh(`${berth.url}/readyz`), { status: 200, body: 'ok', connection: 'keep-alive' });
    const idle = await RawConnection.open(berth.url);
    await idle.send('GET /livez HTTP/1.1\r\nHost: berth\r\n\r\n');
    assert.equal((await idle.response()).status, 200);
    const location = await startUpload(berth, 'library/drained');
    const upload = await slowUpload(berth, location, 16);
    await upload.connection.write(CHUNK);

    const logged = berth.output().length;
    const exited = berth.stop();
    // During the delay: new connections are still accepted, and told the replica is going.
    const draining = await waitFor('/readyz answers 503', async () => {
      const answer = await getFresh(`${berth.url}/readyz`);
      return answer !== 'refused' && answer.status === 503 ? answer : undefined;
    });
    assert.deepEqual(draining, { status: 503, body: 'draining', connection: 'close' });
    // A kept-alive connection's next request is answered, with Connection: close, and the connection then ends.
    await idle.send('GET /livez HTTP/1.1\r\nHost: berth\r\n\r\n');
    const onIdle = (await idle.response()) as RawResponse;
    assert.equal(onIdle.status, 200);
    assert.equal(onIdle.headers.get('connection'), 'close');
    assert.equal(await idle.readResponse(), 'closed');

    // After the delay nothing new is accepted, while the upload keeps going.
    await waitFor('the listener is closed', async () => ((await getFresh(`${berth.url}/livez`)) === 'refused' ? true : undefined));
    for (let i = 1; i < 16; i++) await upload.connection.write(CHUNK);
    const done = await upload.connection.response();
    assert.equal(done.status, 201, done.body.toString());
    assert.equal(done.headers.get('docker-content-digest'), upload.digest);
    assert.equal(done.headers.get('connection'), 'close');
    assert.equal(await exited, 0);
    assert.doesNotMatch(berth.output().slice(logged), /"level":(40|50|60)/, 'a clean drain logs no warning or error');
  });
});

describe('a shutdown whose requests outlast http.drain_timeout', () => {
  let berth: BerthProcess;
  const DRAIN_MS = 1500;
  before(async () => {
    berth = await startBerth({ env: { BERTH_HTTP_DRAIN_TIMEOUT: `${DRAIN_MS}ms`, BERTH_LOG_LEVEL: 'info' } });
  });
  after(async () => berth.destroy());

  it('cuts the request still running at the deadline and exits 0 within the drain timeout and a small margin; a second signal changes nothing', async () => {
    const upload = await slowUpload(berth, await startUpload(berth, 'library/stalled'), 4);
    await upload.connection.write(CHUNK);
    const started = Date.now();
    const exited = berth.stop();
    await waitFor('the shutdown began', async () => (/shutting down: not ready/.test(berth.output()) ? true : undefined));
    process.kill(berth.pid(), 'SIGTERM');
    assert.equal(await upload.connection.readResponse(DRAIN_MS + 10_000), 'closed', 'the stalled upload is cut without an answer');
    assert.equal(await exited, 0);
    const took = Date.now() - started;
    assert.ok(took >= DRAIN_MS, `it waited for the drain timeout (${took} ms)`);
    assert.ok(took < DRAIN_MS + 6000, `it exited soon after the drain timeout (${took} ms)`);
    assert.match(berth.output(), /requests still running after http\.drain_timeout/);
    assert.match(berth.output(), /already shutting down/);
  });
});
