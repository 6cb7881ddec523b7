import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { blobOf, descriptor, makeImage, OCI_MANIFEST, type Image } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';

/** Long enough for a loaded machine, far shorter than "forever": a request still unanswered then counts as hung. */
const ANSWER_WITHIN_MS = 30_000;

interface Answer {
  status: number | 'hung';
  retryAfter: string | null;
  code: string | undefined;
}

async function answer(url: string, init: RequestInit): Promise<Answer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
    const text = await response.text();
    const code = response.status >= 400 ? (JSON.parse(text) as { errors: { code: string }[] }).errors[0]?.code : undefined;
    return { status: response.status, retryAfter: response.headers.get('retry-after'), code };
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') return { status: 'hung', retryAfter: null, code: undefined };
    throw error;
  }
}

/** Success, or the retryable 503 in the envelope of the path's API; nothing else (no 500, no hang). */
function assertAnswered(answers: Answer[], success: number, unavailableCode: string, what: string): void {
  const wrong = answers.filter((a) => a.status !== success && !(a.status === 503 && a.retryAfter !== null && Number(a.retryAfter) > 0 && a.code === unavailableCode));
  assert.deepEqual(wrong, [], `${what}: ${wrong.length} of ${answers.length} answered otherwise`);
}

function manifestOf(image: Image, annotations: Record<string, string>) {
  return blobOf(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(image.config), layers: image.layers.map((l) => descriptor(l)), annotations })), OCI_MANIFEST);
}

const json = (body: unknown): RequestInit => ({ body: JSON.stringify(body), headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' } });

describe('a registry whose connection pool is small', () => {
  let berth: BerthProcess;
  let image: Image;

  before(async () => {
    berth = await startBerth({ env: { BERTH_DATABASE_MAX_OPEN_CONNS: '5' } });
    const client = new RegistryClient(berth.url);
    await client.createProject('burst');
    image = await makeImage({ layerSizes: [64] });
    await client.pushImage('burst/app', 'base', image);
  });
  after(async () => berth.destroy());

  it('answers every one of 100 concurrent manifest pushes and mixed API writes, round after round, while the settings cache is emptied', async () => {
    for (let round = 0; round < 3; round++) {
      // Saving the configuration empties every settings cache, so the transactions of the burst read settings anew.
      const pushes = Array.from({ length: 100 }, (_, i) => {
        const manifest = manifestOf(image, { 'test.round': String(round), 'test.push': String(i) });
        return answer(`${berth.url}/v2/burst/app/manifests/r${round}-${i}`, { method: 'PUT', body: manifest.bytes, headers: { authorization: ADMIN_AUTH, 'content-type': OCI_MANIFEST } });
      });
      const settings = Array.from({ length: 10 }, (_, i) =>
        answer(`${berth.url}/api/v2.0/configurations`, { method: 'PUT', ...json({ robot_token_duration: 30 + round * 10 + i }) }),
      );
      const projects = Array.from({ length: 10 }, (_, i) => answer(`${berth.url}/api/v2.0/projects`, { method: 'POST', ...json({ project_name: `burst-${round}-${i}` }) }));
      const [pushed, saved, created] = await Promise.all([Promise.all(pushes), Promise.all(settings), Promise.all(projects)]);
      assertAnswered(pushed, 201, 'UNAVAILABLE', `round ${round}, manifest pushes`);
      assertAnswered(saved, 200, 'SERVICE_UNAVAILABLE', `round ${round}, configuration saves`);
      assertAnswered(created, 201, 'SERVICE_UNAVAILABLE', `round ${round}, project creations`);
      assert.ok(pushed.some((a) => a.status === 201), `round ${round}: no push succeeded`);
    }
    // And the registry is not left wedged: an unrelated read answers at once.
    const summary = await answer(`${berth.url}/api/v2.0/projects/burst/summary`, { headers: { authorization: ADMIN_AUTH } });
    assert.equal(summary.status, 200);
  });

  it('answers 503 with Retry-After when its database connection is killed mid-query, stays up, and serves the next request', async () => {
    const admin = new pg.Client({ connectionString: berth.databaseUrl });
    await admin.connect();
    try {
      // A lock held here makes Berth's query wait, so its connection is checked out when it is killed.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE project IN ACCESS EXCLUSIVE MODE');
      const pending = answer(`${berth.url}/api/v2.0/projects/burst/summary`, { headers: { authorization: ADMIN_AUTH } });
      let waiting: number[] = [];
      for (const deadline = Date.now() + 10_000; waiting.length === 0 && Date.now() < deadline; ) {
        const activity = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'berth' AND wait_event_type = 'Lock'");
        waiting = activity.rows.map((r) => r.pid);
        if (waiting.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(waiting.length > 0, 'the request waits on the lock');
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [waiting]);
      const killed = await pending;
      assert.equal(killed.status, 503);
      assert.equal(killed.code, 'SERVICE_UNAVAILABLE');
      assert.ok(Number(killed.retryAfter) > 0);
      await admin.query('ROLLBACK');
    } finally {
      await admin.end();
    }
    const next = await answer(`${berth.url}/api/v2.0/projects/burst/summary`, { headers: { authorization: ADMIN_AUTH } });
    assert.equal(next.status, 200);
    assert.doesNotMatch(berth.output(), /Unhandled 'error' event|ERR_UNHANDLED_ERROR|[Uu]ncaught/);
  });
});
