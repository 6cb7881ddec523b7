import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { TestContext } from 'node:test';
import type { BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_CREDS, createContainerTools } from '../fixtures/cli-tools.ts';
import { imageBlobs, makeImage, readOciLayout, sha256, writeOciLayout } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { TEST_ADMIN_PASSWORD } from '../fixtures/berth-process.ts';
import type { Cluster } from './cluster.ts';
import { newCounter, pullImage, pushImage, randomBlob, send, smallImage, type Reply, type RetryCounter } from './http.ts';

/**
 * The behaviours test/ha shows, each run against a cluster (two replicas
 * behind a proxy); the test files pick which run on which proxy and storage.
 */

const OCTETS = 'application/octet-stream';

/** Which replica (0 or 1) logged request `id` (debug logs carry every request's id, a client's X-Request-Id included). */
function servedBy(cluster: Cluster, id: string): number | undefined {
  const index = cluster.replicas.findIndex((replica) => replica.output().includes(`"reqId":"${id}"`));
  return index === -1 ? undefined : index;
}

/** How many requests whose URL starts with `prefix` a replica logged the arrival of. */
function arrivals(replica: BerthProcess, prefix: string): number {
  return replica.output().split('\n').filter((line) => line.includes('"msg":"incoming request"') && line.includes(`"url":"${prefix}`)).length;
}

export async function oneMigrationRun(cluster: Cluster): Promise<void> {
  const ran = cluster.replicas.filter((replica) => replica.output().includes('applied database migrations'));
  assert.equal(ran.length, 1, `replicas that applied migrations: ${ran.length}`);
  for (const replica of cluster.replicas) assert.equal((await send(`${replica.url}/v2/`)).status, 401);
}

/** skopeo pushes and pulls; with `podman`, podman also pulls that image and pushes it under another tag. */
export async function clientsPushAndPullThroughTheProxy(cluster: Cluster, options: { podman: boolean }): Promise<void> {
  const tools = createContainerTools();
  const certDir = cluster.tls.certDir;
  try {
    const image = await makeImage({ layerSizes: [256 * 1024, 4096] });
    const layout = tools.tempDir('source');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    const ref = `${cluster.registryHost}/library/ha-clients`;
    await tools.skopeo(['copy', '--dest-cert-dir', certDir, '--dest-creds', ADMIN_CREDS, `oci:${layout}:v1`, `docker://${ref}:v1`]);
    const pulled = tools.tempDir('pulled');
    await tools.skopeo(['copy', '--src-cert-dir', certDir, '--src-creds', ADMIN_CREDS, `docker://${ref}:v1`, `oci:${pulled}:v1`]);
    assert.equal(readOciLayout(pulled).entry('v1')?.digest, image.manifest.digest);
    for (const blob of imageBlobs(image)) assert.equal(sha256(readOciLayout(pulled).blob(blob.digest)), blob.digest);

    if (options.podman) {
      await tools.podman(['pull', '--cert-dir', certDir, '--creds', ADMIN_CREDS, `${ref}:v1`]);
      await tools.podman(['push', '--cert-dir', certDir, '--creds', ADMIN_CREDS, `${ref}:v1`, `docker://${ref}:v2`]);
      const inspected = JSON.parse((await tools.skopeo(['inspect', '--cert-dir', certDir, '--creds', ADMIN_CREDS, `docker://${ref}:v2`])).stdout) as { Layers: string[] };
      assert.equal(inspected.Layers.length, 2);
      await tools.podman(['pull', '--cert-dir', certDir, '--creds', ADMIN_CREDS, `${ref}:v2`]);
    }
  } finally {
    await tools.destroy();
  }
  // Round robin, no stickiness: the clients' requests reached both replicas.
  for (const replica of cluster.replicas) await waitUntil(() => arrivals(replica, '/v2/library/ha-clients/') > 0, `${replica.host} to have served some of the clients' requests`, 10_000);
}

export async function realmAndLocationsCarryTheExternalUrl(cluster: Cluster): Promise<void> {
  const external = cluster.proxy.url;
  const agent = cluster.agent;
  const challenge = await send(`${external}/v2/`, { agent });
  assert.equal(challenge.status, 401);
  assert.equal(challenge.headers['www-authenticate'], `Bearer realm="${external}/service/token",service="harbor-registry"`);

  const issued = await send(`${external}/service/token?service=harbor-registry&scope=repository:library/ha-headers:pull,push`, { agent, headers: { authorization: ADMIN_AUTH } });
  assert.equal(issued.status, 200);
  const bearer = { authorization: `Bearer ${(JSON.parse(issued.body.toString()) as { token: string }).token}` };
  const internal = cluster.replicas.map((replica) => replica.host);
  const resolve = (reply: Reply) => {
    const location = reply.headers.location;
    assert.ok(location, `no Location on ${reply.status}`);
    for (const host of internal) assert.ok(!location.includes(host), `Location ${location} names a replica`);
    const url = new URL(location, `${external}/`);
    assert.equal(url.origin, external, `Location ${location} leaves ${external}`);
    return url;
  };

  const started = await send(`${external}/v2/library/ha-headers/blobs/uploads/`, { method: 'POST', agent, headers: bearer });
  assert.equal(started.status, 202);
  const blob = randomBlob(1000);
  const patched = await send(resolve(started).href, { method: 'PATCH', agent, headers: { ...bearer, 'content-type': OCTETS }, body: blob.bytes });
  assert.equal(patched.status, 202);
  const target = resolve(patched);
  target.searchParams.set('digest', blob.digest);
  const done = await send(target.href, { method: 'PUT', agent, headers: bearer });
  assert.equal(done.status, 201);
  assert.equal(resolve(done).pathname, `/v2/library/ha-headers/blobs/${blob.digest}`);
}

export async function chunkedUploadHopsReplicasAndSurvivesTheLossOfOne(cluster: Cluster, t: TestContext): Promise<void> {
  const external = cluster.proxy.url;
  const agent = cluster.agent;
  const auth = { authorization: ADMIN_AUTH };
  const chunk = 128 * 1024;
  const data = randomBytes(chunk * 4 + 512 * 1024);
  const tag = randomBytes(4).toString('hex');

  const started = await send(`${external}/v2/library/ha-hop/blobs/uploads/`, { method: 'POST', agent, headers: auth });
  assert.equal(started.status, 202);
  let url = new URL(started.headers.location!, `${external}/`);
  const ids: string[] = [];
  let offset = 0;
  for (let i = 0; i < 4; i++) {
    const id = `ha-hop-${tag}-${i}`;
    const reply = await send(url.href, {
      method: 'PATCH',
      agent,
      headers: { ...auth, 'content-type': OCTETS, 'content-range': `${offset}-${offset + chunk - 1}`, 'x-request-id': id },
      body: data.subarray(offset, offset + chunk),
    });
    assert.equal(reply.status, 202, reply.body.toString());
    assert.equal(reply.headers.range, `0-${offset + chunk - 1}`);
    offset += chunk;
    url = new URL(reply.headers.location!, `${external}/`);
    ids.push(id);
  }
  // A replica's log line can reach this process a moment after its answer did.
  await waitUntil(() => ids.every((id) => servedBy(cluster, id) !== undefined), 'every PATCH in a replica log', 10_000);
  const hops = ids.map((id) => servedBy(cluster, id));
  t.diagnostic(`PATCHes served by replicas ${hops.map((i) => (i === undefined ? '?' : i + 1)).join(', ')}`);
  for (let i = 1; i < hops.length; i++) assert.notEqual(hops[i], hops[i - 1], `PATCH ${i} stayed on replica ${hops[i]}: ${hops.join(',')}`);
  assert.ok(hops.every((hop) => hop !== undefined));

  // A slow PATCH of the rest: the first 64 KiB now, the others never (the replica holding it is killed).
  const slowId = `ha-slow-${tag}`;
  const rest = data.subarray(offset);
  const slow = httpsRequest(url, {
    method: 'PATCH',
    agent,
    headers: { ...auth, connection: 'close', 'content-type': OCTETS, 'content-range': `${offset}-${data.length - 1}`, 'content-length': String(rest.length), 'x-request-id': slowId },
  });
  const slowOutcome = new Promise<string>((resolve) => {
    slow.on('response', (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    slow.on('error', (error) => resolve(error.message));
  });
  slow.write(rest.subarray(0, 64 * 1024));
  await waitUntil(() => servedBy(cluster, slowId) !== undefined, 'the slow PATCH reached a replica', 20_000);
  const victim = servedBy(cluster, slowId)!;
  const survivor = 1 - victim;
  await cluster.replicas[victim]!.kill();
  try {
    t.diagnostic(`killed replica ${victim + 1} holding the PATCH; the client saw ${await slowOutcome}`);
    slow.destroy();
    const statusId = `ha-status-${tag}`;
    const status = await send(url.href, { agent, headers: { ...auth, 'x-request-id': statusId } });
    assert.equal(status.status, 204, status.body.toString());
    await waitUntil(() => servedBy(cluster, statusId) !== undefined, 'the status GET in a replica log', 10_000);
    assert.equal(servedBy(cluster, statusId), survivor);
    const range = /^0-(\d+)$/.exec(String(status.headers.range));
    assert.ok(range, `Range ${status.headers.range}`);
    const committed = Number(range[1]) + 1;
    // At least what was acknowledged; at most what was sent.
    assert.ok(committed >= offset && committed <= offset + 64 * 1024, `committed ${committed}, acknowledged ${offset}`);
    t.diagnostic(`the survivor reports ${committed} bytes committed (${committed - offset} of the killed PATCH's)`);

    url = new URL(status.headers.location!, `${external}/`);
    const resumed = await send(url.href, {
      method: 'PATCH',
      agent,
      headers: { ...auth, 'content-type': OCTETS, 'content-range': `${committed}-${data.length - 1}` },
      body: data.subarray(committed),
    });
    assert.equal(resumed.status, 202, resumed.body.toString());
    const digest = sha256(data);
    const finish = new URL(resumed.headers.location!, `${external}/`);
    finish.searchParams.set('digest', digest);
    const done = await send(finish.href, { method: 'PUT', agent, headers: auth });
    assert.equal(done.status, 201, done.body.toString());
    const pulled = await send(`${external}/v2/library/ha-hop/blobs/${digest}`, { agent, headers: auth });
    assert.equal(pulled.status, 200);
    assert.equal(sha256(pulled.body), digest);
  } finally {
    // Later tests get both replicas again, whatever happened here.
    await cluster.replicas[victim]!.restart();
  }
}

export async function tokensAndSessionsWorkOnEitherReplica(cluster: Cluster): Promise<void> {
  const [first, second] = cluster.replicas;
  const issued = await send(`${first.url}/service/token?service=harbor-registry&scope=repository:library/ha-token:pull,push`, { headers: { authorization: ADMIN_AUTH } });
  assert.equal(issued.status, 200);
  const bearer = { authorization: `Bearer ${(JSON.parse(issued.body.toString()) as { token: string }).token}` };
  assert.equal((await send(`${second.url}/v2/`, { headers: bearer })).status, 200);
  assert.equal((await send(`${second.url}/v2/library/ha-token/blobs/uploads/`, { method: 'POST', headers: bearer })).status, 202);

  const login = await send(`${first.url}/c/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ principal: 'admin', password: TEST_ADMIN_PASSWORD }).toString(),
  });
  assert.equal(login.status, 200, login.body.toString());
  const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0]!;
  const csrf = String(login.headers['x-harbor-csrf-token']);
  assert.match(cookie, /^sid=./);
  const current = await send(`${second.url}/api/v2.0/users/current`, { headers: { cookie } });
  assert.equal(current.status, 200);
  assert.equal((JSON.parse(current.body.toString()) as { username: string }).username, 'admin');
  const project = JSON.stringify({ project_name: `ha-session-${randomBytes(3).toString('hex')}` });
  const json = { 'content-type': 'application/json', cookie };
  const refused = await send(`${second.url}/api/v2.0/projects`, { method: 'POST', headers: json, body: project });
  assert.equal(refused.status, 403, 'an unsafe request without the CSRF token');
  const created = await send(`${second.url}/api/v2.0/projects`, { method: 'POST', headers: { ...json, 'x-harbor-csrf-token': csrf }, body: project });
  assert.equal(created.status, 201, created.body.toString());
}

interface Load {
  counter: RetryCounter;
  failures: string[];
  operations: number;
  stop(): Promise<void>;
}

/** `workers` clients through the proxy, alternately pushing new images and pulling one, retrying as clients do. */
async function startLoad(cluster: Cluster, workers: number): Promise<Load> {
  const base = cluster.proxy.url;
  const counter = newCounter();
  const seed = await smallImage();
  await pushImage(base, 'library/ha-load', 'seed', seed, cluster.agent, counter);
  const load: Load = { counter, failures: [], operations: 0, stop: async () => {} };
  let running = true;
  const worker = async (index: number) => {
    for (let round = 0; running; round++) {
      try {
        if ((index + round) % 2 === 0) await pullImage(base, 'library/ha-load', 'seed', seed, cluster.agent, counter);
        else await pushImage(base, `library/ha-load-${index}`, `r${round}`, await smallImage(), cluster.agent, counter);
        load.operations++;
      } catch (error) {
        load.failures.push((error as Error).message);
      }
    }
  };
  const all = Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
  load.stop = async () => {
    running = false;
    await all;
  };
  return load;
}

/** /readyz of one replica, polled directly until stopped: each answer's status, or 0 for a refused connection. */
function pollReadiness(replica: BerthProcess): { seen: number[]; stop(): void } {
  const seen: number[] = [];
  let running = true;
  const url = `${replica.url}/readyz`;
  void (async () => {
    while (running) {
      const reply = await send(url, { timeoutMs: 2000 }).catch(() => undefined);
      const status = reply?.status ?? 0;
      if (seen[seen.length - 1] !== status) seen.push(status);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { seen, stop: () => (running = false) };
}

export async function rollingRestartUnderLoad(cluster: Cluster, t: TestContext): Promise<void> {
  const load = await startLoad(cluster, 20);
  try {
    await waitUntil(() => load.operations >= 20, 'the load to be under way', 60_000);
    for (const [index, replica] of cluster.replicas.entries()) {
      const readiness = pollReadiness(replica);
      let code: number | null;
      try {
        await waitUntil(() => readiness.seen.includes(200), `replica ${index + 1} to be ready`, 10_000);
        code = await replica.stop();
      } finally {
        readiness.stop();
      }
      t.diagnostic(`replica ${index + 1}: exit code ${code}, /readyz while stopping: ${readiness.seen.join(' → ')} (0: refused)`);
      assert.equal(code, 0);
      assert.ok(readiness.seen.includes(503), `/readyz of replica ${index + 1} never answered 503 while draining: ${readiness.seen.join(',')}`);
      await replica.restart();
      // Back in the proxy's rotation: it serves the clients' requests again (its output starts afresh with the process).
      await waitUntil(() => arrivals(replica, '/v2/library/ha-load') > 0, `replica ${index + 1} to serve through the proxy again`, 30_000);
    }
    const done = load.operations;
    await waitUntil(() => load.operations >= done + 20, 'the load to go on after the restarts', 60_000);
  } finally {
    await load.stop();
  }
  t.diagnostic(`${cluster.proxy.kind}'s upstream errors meanwhile: ${summariseErrors(cluster.proxy.errorLog())}`);
  t.diagnostic(`${load.operations} pushes and pulls; ${load.counter.retries} requests retried (${[...load.counter.reasons].map(([why, n]) => `${why}: ${n}`).join(', ') || 'none'})`);
  assert.deepEqual(load.failures, []);
}

/** nginx's error log lines counted by what went wrong (its message without the connection's details). */
function summariseErrors(log: string): string {
  const counts = new Map<string, number>();
  for (const line of log.split('\n')) {
    const what = /\[(?:error|warn)\] [\d#]+: \*\d+ (.+?) while /.exec(line)?.[1]?.trim();
    if (what) counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${what}: ${n}`).join('; ') || 'none';
}

export async function databaseRestartUnderLoad(cluster: Cluster, t: TestContext, acquireTimeoutMs: number): Promise<void> {
  const seed = await smallImage();
  await pushImage(cluster.proxy.url, 'library/ha-db', 'seed', seed, cluster.agent, newCounter());
  const pids = cluster.replicas.map((replica) => replica.pid());
  const outcomes: { status: number | string; ms: number }[] = [];
  let running = true;
  let outageStarted = Infinity;
  // Straight at each replica: the time measured is the replica's, not the proxy's retry on the other one.
  const worker = async (replica: BerthProcess, push: boolean) => {
    for (let round = 0; running; round++) {
      const started = performance.now();
      const reply = push
        ? await send(`${replica.url}/v2/library/ha-db/blobs/uploads/`, { method: 'POST', headers: { authorization: ADMIN_AUTH }, timeoutMs: 120_000 }).catch((e: Error) => e)
        : await send(`${replica.url}/v2/library/ha-db/manifests/seed`, { headers: { authorization: ADMIN_AUTH, accept: seed.manifest.mediaType }, timeoutMs: 120_000 }).catch((e: Error) => e);
      outcomes.push({ status: reply instanceof Error ? reply.message : reply.status, ms: performance.now() - started });
      if (reply instanceof Error || reply.status >= 500) await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = cluster.replicas.flatMap((replica) => [worker(replica, false), worker(replica, false), worker(replica, true)]);
  let outage = false;
  try {
    await waitUntil(() => outcomes.length >= 20, 'the load to be under way', 30_000);
    outage = true;
    await cluster.postgres.stop();
    outageStarted = outcomes.length;
    for (const [index, replica] of cluster.replicas.entries()) {
      await waitUntil(async () => (await send(`${replica.url}/readyz`, { timeoutMs: 5000 }).catch(() => undefined))?.status === 503, `replica ${index + 1} not ready without its database`, acquireTimeoutMs * 3 + 5000);
    }
    // Requests go on meeting the outage for a while: every one of them must end, fast.
    await waitUntil(() => outcomes.length >= outageStarted + 30, 'requests during the outage', 30_000);
    await cluster.postgres.start();
    outage = false;
    for (const [index, replica] of cluster.replicas.entries()) {
      await waitUntil(async () => (await send(`${replica.url}/readyz`, { timeoutMs: 5000 }).catch(() => undefined))?.status === 200, `replica ${index + 1} ready again`, 30_000);
    }
    const recovered = outcomes.length;
    await waitUntil(() => outcomes.slice(recovered).filter((o) => o.status === 200 || o.status === 202).length >= 20, 'requests to succeed again', 30_000);
  } finally {
    running = false;
    await Promise.all(workers);
    if (outage) await cluster.postgres.start();
  }
  assert.deepEqual(cluster.replicas.map((replica) => replica.pid()), pids, 'the replicas recovered without a restart');
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  const statuses = new Map<string, number>();
  for (const outcome of outcomes) statuses.set(String(outcome.status), (statuses.get(String(outcome.status)) ?? 0) + 1);
  t.diagnostic(`${outcomes.length} requests; statuses ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}; slowest ${Math.round(slowest)} ms (acquire_timeout ${acquireTimeoutMs} ms)`);
  assert.ok(slowest <= acquireTimeoutMs + 2000, `a request took ${Math.round(slowest)} ms`);
  const unexpected = [...statuses.keys()].filter((status) => !['200', '202', '503'].includes(status));
  assert.deepEqual(unexpected, [], 'during the outage requests get 503, never a 500 or a broken connection');
}

