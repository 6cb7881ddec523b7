import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { sql } from 'kysely';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { ADMIN_AUTH } from '../fixtures/registry-client.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { Scrape } from '../fixtures/prometheus.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { seedProjects } from '../fixtures/seed-projects.ts';
import { startMetricsListener } from '../../src/metrics/metrics-listener.ts';
import { createLogger } from '../../src/logger.ts';
import { UPLOAD_PURGE } from '../../src/jobs/upload-purge.job.ts';
import { BERTH_VERSION } from '../../src/version.ts';

let t: TestApp;
let listener: Server;
let metricsUrl: string;

before(async () => {
  // Uncached: each scrape reads the database, so values follow the actions at once and the timing below is the real cost.
  // Quiet: the outage below makes every database user complain.
  t = await startTestApp({ BERTH_METRIC_ENABLED: 'true' }, { metricSnapshots: { ttlMs: 0, timeoutMs: 5000, staleMs: 0 }, log: createLogger('fatal') });
  listener = await startMetricsListener(t.metrics!, { host: '127.0.0.1', port: 0, path: '/metrics', log: createLogger('warn') });
  const address = listener.address();
  metricsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
});
after(async () => {
  listener?.close();
  await t?.close();
});

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return await fetch(`${t.url}/api/v2.0${path}`, {
    method,
    headers: { authorization: ADMIN_AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

describe('metrics off by default', () => {
  it('without metric.enabled the app has no metrics and its port serves none', async () => {
    const plain = await startTestApp();
    try {
      assert.equal(plain.config.metric.enabled, false);
      assert.equal(plain.config.metric.port, 9090);
      assert.equal(plain.config.metric.path, '/metrics');
      assert.equal(plain.metrics, undefined);
      const response = await fetch(`${plain.url}/metrics`);
      assert.doesNotMatch(await response.text(), /harbor_|registry_http/);
    } finally {
      await plain.close();
    }
  });

  it('with metric.enabled the registry port still serves no metrics (they are on their own listener)', async () => {
    const response = await fetch(`${t.url}/metrics`);
    assert.doesNotMatch(await response.text(), /harbor_|registry_http/);
  });
});

describe('metrics after real pushes, pulls and quotas (Harbor names, types and labels)', () => {
  let blobsPushed = 0;
  before(async () => {
    const created = await api('POST', '/projects', { project_name: 'metrics-priv', metadata: { public: 'false' }, storage_limit: 10 * 1024 * 1024 });
    assert.equal(created.status, 201, await created.text());
    await t.client.createProject('metrics-pub', { public: true });
    for (const repository of ['metrics-priv/app', 'metrics-priv/tool', 'metrics-pub/app']) {
      const image = await makeImage();
      await t.client.pushImage(repository, 'v1', image);
      blobsPushed += 1 + image.layers.length;
    }
    for (let i = 0; i < 3; i++) {
      const pulled = await t.client.request('GET', '/v2/metrics-priv/app/manifests/v1', { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(pulled.status, 200);
      await pulled.arrayBuffer();
    }
    // Pulls are batched off the request path; this writes them as the next second would.
    await t.flushBuffered();
  });

  it('projects by visibility, repositories, members, artifacts by type and pulls per project', async () => {
    const scrape = await Scrape.of(metricsUrl);
    const counts = (await sql<{ public: boolean; n: string }>`SELECT metadata->>'public' = 'true' AS public, count(*) AS n FROM project GROUP BY 1`.execute(t.db)).rows;
    for (const row of counts) assert.equal(scrape.value('harbor_project_total', { public: String(row.public) }), Number(row.n));
    scrape.family('harbor_project_total', 'GAUGE');

    assert.equal(scrape.family('harbor_project_repo_total', 'GAUGE') && scrape.value('harbor_project_repo_total', { project_name: 'metrics-priv', public: 'false' }), 2);
    assert.equal(scrape.value('harbor_project_repo_total', { project_name: 'metrics-pub', public: 'true' }), 1);

    const members = (await (await api('GET', '/projects/metrics-priv/members')).json()) as unknown[];
    assert.equal(scrape.family('harbor_project_member_total', 'GAUGE') && scrape.value('harbor_project_member_total', { project_name: 'metrics-priv' }), members.length);

    assert.equal(scrape.family('harbor_project_artifact_total', 'GAUGE') && scrape.value('harbor_project_artifact_total', { project_name: 'metrics-priv', public: 'false', artifact_type: 'IMAGE' }), 2);
    assert.equal(scrape.value('harbor_project_artifact_total', { project_name: 'metrics-pub', public: 'true', artifact_type: 'IMAGE' }), 1);

    assert.equal(scrape.family('harbor_artifact_pulled', 'GAUGE') && scrape.value('harbor_artifact_pulled', { project_name: 'metrics-priv' }), 3);
    assert.equal(scrape.value('harbor_artifact_pulled', { project_name: 'metrics-pub' }), 0);
  });

  it('quota limit and usage per project, as the quotas API reports them', async () => {
    const scrape = await Scrape.of(metricsUrl);
    for (const name of ['metrics-priv', 'metrics-pub']) {
      const project = (await (await api('GET', `/projects/${name}`)).json()) as { project_id: number };
      const [quota] = (await (await api('GET', `/quotas?reference=project&reference_id=${project.project_id}`)).json()) as { hard: { storage: number }; used: { storage: number } }[];
      assert.ok(quota!.used.storage > 0);
      assert.equal(scrape.family('harbor_project_quota_usage_byte', 'GAUGE') && scrape.value('harbor_project_quota_usage_byte', { project_name: name }), quota!.used.storage);
      assert.equal(scrape.family('harbor_project_quota_byte', 'GAUGE') && scrape.value('harbor_project_quota_byte', { project_name: name }), quota!.hard.storage);
    }
    assert.equal(scrape.value('harbor_project_quota_byte', { project_name: 'metrics-priv' }), 10 * 1024 * 1024);
  });

  it("requests: Harbor core's by method, code and operation; distribution's by handler", async () => {
    const unknownBefore = (await Scrape.of(metricsUrl)).value('harbor_core_http_request_total', { method: 'GET', code: '404', operation: 'unknown' }) ?? 0;
    for (let i = 0; i < 5; i++) await (await api('GET', `/projects/no-such-project-${i}`)).arrayBuffer();
    await (await api('GET', '/no/such/route')).arrayBuffer();
    const scrape = await Scrape.of(metricsUrl);

    scrape.family('harbor_core_http_request_total', 'COUNTER');
    assert.equal(scrape.value('harbor_core_http_request_total', { method: 'PUT', code: '201', operation: 'v2_manifest' }), 3);
    assert.equal(scrape.value('harbor_core_http_request_total', { method: 'GET', code: '200', operation: 'v2_manifest' }), 3);
    // Five URLs, one operation: the label is the route, never the URL.
    assert.equal(scrape.value('harbor_core_http_request_total', { method: 'GET', code: '404', operation: '/api/v2.0/projects/{project_name_or_id}' }), 5);
    assert.equal(scrape.value('harbor_core_http_request_total', { method: 'GET', code: '404', operation: 'unknown' }), unknownBefore + 1);
    assert.ok(!scrape.text.includes('no-such-project-'), 'no URL in any label');

    const [summary] = scrape.family('harbor_core_http_request_duration_seconds', 'SUMMARY').metrics.filter((m) => m.labels?.operation === 'v2_manifest' && m.labels.method === 'PUT');
    assert.deepEqual(Object.keys(summary!.quantiles!).sort(), ['0.5', '0.9', '0.99']);
    assert.equal(Number(summary!.count), 3);
    assert.equal(scrape.family('harbor_core_http_inflight_requests', 'GAUGE') && scrape.value('harbor_core_http_inflight_requests'), 0);

    scrape.family('registry_http_requests_total', 'COUNTER');
    assert.equal(scrape.value('registry_http_requests_total', { handler: 'manifest', code: '201', method: 'PUT' }), 3);
    assert.equal(scrape.value('registry_http_requests_total', { handler: 'blob_upload', code: '201', method: 'POST' }), blobsPushed);
    const [histogram] = scrape.family('registry_http_request_duration_seconds', 'HISTOGRAM').metrics.filter((m) => m.labels?.handler === 'manifest' && m.labels.method === 'GET');
    assert.equal(Number(histogram!.count), 3);
    assert.equal(histogram!.buckets!['60'], '3');
    assert.equal(scrape.family('registry_http_in_flight_requests', 'GAUGE') && scrape.value('registry_http_in_flight_requests', { handler: 'manifest' }), 0);
    // /api/v2.0 requests are not the registry's.
    assert.equal(scrape.samples('registry_http_requests_total', { handler: 'unknown' }).length, 0);
  });

  it('health, system information and Node process metrics', async () => {
    const scrape = await Scrape.of(metricsUrl);
    assert.equal(scrape.family('harbor_health', 'GAUGE') && scrape.value('harbor_health'), 1);
    for (const component of ['database', 'storage', 'jobservice']) assert.equal(scrape.value('harbor_up', { component }), 1, component);
    assert.equal(scrape.family('harbor_system_info', 'GAUGE') && scrape.value('harbor_system_info', { auth_mode: 'db_auth', harbor_version: BERTH_VERSION, self_registration: 'false' }), 1);
    // distribution's storage timings: the pushes placed blobs (Move), the health checks wrote probes (PutContent).
    scrape.family('registry_storage_action_seconds', 'HISTOGRAM');
    for (const action of ['Move', 'PutContent', 'Delete']) {
      const [timed] = scrape.samples('registry_storage_action_seconds', { driver: 'filesystem', action });
      assert.ok(Number(timed?.count) > 0, action);
    }
    scrape.family('process_cpu_seconds_total', 'COUNTER');
    scrape.family('process_resident_memory_bytes', 'GAUGE');
    scrape.family('nodejs_heap_size_used_bytes', 'GAUGE');
  });

  it('job service: queues, schedules, this pool, and a finished task counted by type and outcome', async () => {
    const { taskId } = await t.jobs.enqueue(UPLOAD_PURGE, { age_ms: 3_600_000 });
    await waitUntil(async () => (await t.jobs.task(taskId)).status === 'Success', 'the purge task succeeded', 30_000);
    const scrape = await Scrape.of(metricsUrl);
    assert.equal(scrape.family('harbor_jobservice_task_total', 'COUNTER') && scrape.value('harbor_jobservice_task_total', { type: UPLOAD_PURGE, status: 'success' }), 1);
    const [time] = scrape.samples('harbor_jobservice_task_process_time_seconds', { type: UPLOAD_PURGE, status: 'success' });
    assert.equal(scrape.family('harbor_jobservice_task_process_time_seconds', 'SUMMARY') && Number(time!.count), 1);

    const schedules = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM job_schedule`.execute(t.db)).rows[0]!.n);
    assert.ok(schedules >= 2);
    assert.equal(scrape.family('harbor_task_scheduled_total', 'GAUGE') && scrape.value('harbor_task_scheduled_total'), schedules);
    for (const type of [UPLOAD_PURGE, 'GARBAGE_COLLECTION', 'SCHEDULER']) {
      assert.equal(scrape.value('harbor_task_queue_size', { type }), 0, type);
      assert.equal(scrape.value('harbor_task_queue_latency', { type }), 0, type);
    }
    scrape.family('harbor_task_queue_size', 'GAUGE');
    scrape.family('harbor_task_queue_latency', 'GAUGE');
    scrape.family('harbor_task_concurrency', 'GAUGE');
    const [info] = scrape.family('harbor_jobservice_info', 'GAUGE').metrics;
    assert.equal(info!.labels!.pool, t.jobs.poolId);
    assert.equal(info!.labels!.workers, String(t.config.jobs.workers));
  });

  it('tasks running show as concurrency per type and pool', async () => {
    // A task row in Running on this pool is what a worker holding it looks like to every replica.
    const { executionId } = (await sql<{ executionId: string }>`
      INSERT INTO execution (vendor_type, vendor_id, trigger, extra_attrs) VALUES ('GARBAGE_COLLECTION', -1, 'MANUAL', '{}') RETURNING id AS execution_id`.execute(t.db)).rows[0]!;
    await sql`INSERT INTO task (execution_id, vendor_type, status, worker_pool_id, start_time) VALUES (${executionId}, 'GARBAGE_COLLECTION', 'Running', ${t.jobs.poolId}, now())`.execute(t.db);
    try {
      const scrape = await Scrape.of(metricsUrl);
      assert.equal(scrape.value('harbor_task_concurrency', { type: 'GARBAGE_COLLECTION', pool: t.jobs.poolId }), 1);
    } finally {
      await sql`DELETE FROM execution WHERE id = ${executionId}`.execute(t.db);
    }
  });
});

/** The metric names a PromQL expression reads: strings, label matchers and lists, ranges, functions and keywords left out. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'group_left', 'group_right']);
  return [...bare.matchAll(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g)].map((m) => m[0]).filter((name) => !keywords.has(name));
}

describe('the Grafana dashboard (deploy/grafana/berth-dashboard.json)', () => {
  it('every metric its queries read is one /metrics exposes', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../../deploy/grafana/berth-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const scrape = await Scrape.of(metricsUrl);
    const exposed = (name: string) => {
      if (scrape.families.has(name)) return true;
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const type = scrape.families.get(base)?.type;
      return base !== name && (type === 'HISTOGRAM' || type === 'SUMMARY');
    };
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const names = metricNames(target.expr);
        assert.ok(names.length > 0, `${panel.title}: no metric in ${target.expr}`);
        for (const name of names) {
          used.add(name);
          assert.ok(exposed(name), `${panel.title}: ${name} (in ${target.expr}) is not exposed`);
        }
      }
    }
    // The dashboard covers what the issue asks for: requests, latency, in-flight, projects/repositories/quota, pulls, job queue, memory and CPU.
    for (const name of ['harbor_core_http_request_total', 'harbor_core_http_request_duration_seconds', 'harbor_core_http_inflight_requests', 'harbor_project_total', 'harbor_project_repo_total', 'harbor_project_quota_usage_byte', 'harbor_artifact_pulled', 'harbor_task_queue_size', 'process_resident_memory_bytes', 'process_cpu_seconds_total']) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }
  });

  it('the name extraction finds metrics and nothing else', () => {
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le, handler) (rate(registry_http_request_duration_seconds_bucket{instance=~"$instance"}[5m])))'), ['registry_http_request_duration_seconds_bucket']);
    assert.deepEqual(metricNames('a_total{code=~"5.."} / on (x) group_left b and bool c offset 5m'), ['a_total', 'b', 'c']);
  });
});

describe('a database outage', () => {
  it('shows as harbor_up{component="database"} 0 and harbor_health 0; the scrape still answers', async () => {
    const name = new URL(t.config.database.url!).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.BERTH_TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      const scrape = await Scrape.of(metricsUrl);
      assert.equal(scrape.value('harbor_health'), 0);
      assert.equal(scrape.value('harbor_up', { component: 'database' }), 0);
      assert.equal(scrape.value('harbor_up', { component: 'storage' }), 1);
      assert.equal(scrape.samples('harbor_project_total').length, 0, 'no stale project figures');
      scrape.family('process_resident_memory_bytes', 'GAUGE');
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await waitUntil(async () => (await Scrape.of(metricsUrl)).value('harbor_up', { component: 'database' }) === 1, 'the database is up again', 20_000);
  });
});

/** The median of `rounds` scrapes after one warm-up, and every figure. */
async function timeScrapes(url: string, rounds: number): Promise<{ median: number; times: number[]; last: Scrape }> {
  await Scrape.of(url);
  const times: number[] = [];
  let last: Scrape | undefined;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    last = await Scrape.of(url);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(rounds / 2)]!, times, last: last! };
}

describe('scale: 10 000 repositories', () => {
  it('the database reads behind a scrape (uncached), for the record', async () => {
    const repositories = await seedProjects(t.db, 100, 100);
    const { median, times, last } = await timeScrapes(metricsUrl, 9);
    console.log(`metrics: ${repositories} repositories in ${last.samples('harbor_project_repo_total').length} projects, a scrape reading the database: median ${median.toFixed(1)} ms (${times.map((ms) => ms.toFixed(1)).join(', ')})`);
    assert.equal(last.value('harbor_project_repo_total', { project_name: 'scale-7', public: 'false' }), 100);
  });

  it('a scrape is answered in under 100 ms', async () => {
    // Production settings: figures re-read at most every 5 s, behind the scrape that finds them older.
    const scaled = await startTestApp({ BERTH_METRIC_ENABLED: 'true' }, { log: createLogger('fatal') });
    const server = await startMetricsListener(scaled.metrics!, { host: '127.0.0.1', port: 0, path: '/metrics', log: createLogger('fatal') });
    try {
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/metrics`;
      const repositories = await seedProjects(scaled.db, 100, 100);
      await waitUntil(async () => (await Scrape.of(url)).value('harbor_project_repo_total', { project_name: 'scale-7', public: 'false' }) === 100, 'the seeded repositories are counted', 20_000);
      const { median, times } = await timeScrapes(url, 9);
      console.log(`metrics: ${repositories} repositories, a scrape as Prometheus meets it: median ${median.toFixed(1)} ms (${times.map((ms) => ms.toFixed(1)).join(', ')})`);
      assert.ok(median < 100, `median scrape ${median.toFixed(1)} ms`);
    } finally {
      server.close();
      await scaled.close();
    }
  });
});
