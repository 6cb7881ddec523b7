import { hostname } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { JobActivity, TaskOutcome } from '../jobs/jobs.service.ts';
import type { OverallHealth } from '../system/health.service.ts';
import { registryRouteOf, type RegistryRoute } from '../registry/registry-paths.ts';
import { BERTH_VERSION } from '../version.ts';
import { Snapshot } from './snapshot.ts';
import { TimedStorage } from './timed-storage.ts';
import type { StorageDriver } from '../storage/storage-driver.ts';

/** Harbor's summaries' objectives (lib/metric): median, 90th and 99th percentile. */
const PERCENTILES = [0.5, 0.9, 0.99];
/** distribution's request duration buckets (docker/go-metrics). */
const REGISTRY_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60];

/** How long a database read made for /metrics serves later scrapes, how long a scrape waits for one, and how old a value may be answered while it is refreshed (snapshot.ts). */
export interface SnapshotTimes {
  ttlMs: number;
  timeoutMs: number;
  staleMs: number;
}

const DEFAULT_SNAPSHOT_TIMES: SnapshotTimes = { ttlMs: 5000, timeoutMs: 5000, staleMs: 120_000 };

/** Harbor's `operation` label of a /v2 request (core's metric middleware names them so). */
const V2_OPERATIONS: Record<RegistryRoute, string> = {
  base: 'v2_others',
  catalog: 'v2_catalog',
  tags: 'v2_tags',
  manifest: 'v2_manifest',
  blob: 'v2_blob',
  blob_upload: 'v2_blob_upload',
  blob_upload_chunk: 'v2_blob_upload',
  referrers: 'v2_referrers',
};

/** Per-project figures, each from the feature that owns them. */
export interface ProjectSources {
  projects(): Promise<{ id: string; name: string; public: boolean; members: number }[]>;
  contentTotals(): Promise<{
    repositories: { projectId: string; repositories: number; pulls: number }[];
    artifacts: { projectId: string; type: string; artifacts: number }[];
  }>;
  quotas(): Promise<{ projectId: string; hard: number; used: number }[]>;
}

export interface MetricSources {
  projects: ProjectSources;
  health(): Promise<OverallHealth>;
  system(): Promise<{ authMode: string; selfRegistration: boolean }>;
  jobs: {
    activity(): Promise<JobActivity>;
    poolId: string;
    workerCount: number;
    onTaskRun(listener: (type: string, outcome: TaskOutcome, seconds: number) => void): void;
  };
}

interface ProjectFigures {
  totals: { public: boolean; count: number }[];
  projects: {
    name: string;
    public: boolean;
    members: number;
    repositories: number;
    pulls: number;
    hard: number;
    used: number;
    artifacts: Map<string, number>;
  }[];
}

/**
 * Berth's Prometheus metrics, with Harbor's names (core's http_* and the
 * exporter's project, health, system and job service series, namespace
 * `harbor`), distribution's registry_http_* for /v2, and Node's process
 * metrics. Only built when metric.enabled: otherwise nothing here is loaded
 * into the request path.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #log: Logger;
  readonly #times: SnapshotTimes;

  constructor(log: Logger, times: SnapshotTimes = DEFAULT_SNAPSHOT_TIMES) {
    this.#log = log;
    this.#times = times;
    collectDefaultMetrics({ register: this.registry });
  }

  /** Harbor core's and distribution's request metrics for every request the app answers. */
  instrumentRequests(app: FastifyInstance): void {
    const registers = [this.registry];
    const inflight = new Gauge({ name: 'harbor_core_http_inflight_requests', help: 'The total number of requests', registers });
    const total = new Counter({ name: 'harbor_core_http_request_total', help: 'The total number of requests', labelNames: ['method', 'code', 'operation'], registers });
    const duration = this.#summary('harbor_core_http_request_duration_seconds', 'The time duration of the requests', ['method', 'operation']);
    const registryInflight = new Gauge({ name: 'registry_http_in_flight_requests', help: 'The in-flight HTTP requests', labelNames: ['handler'], registers });
    const registryTotal = new Counter({ name: 'registry_http_requests_total', help: 'Total number of HTTP requests made.', labelNames: ['handler', 'code', 'method'], registers });
    const registryDuration = new Histogram({
      name: 'registry_http_request_duration_seconds',
      help: 'The HTTP request latencies in seconds.',
      labelNames: ['handler', 'method'],
      buckets: REGISTRY_DURATION_BUCKETS,
      registers,
    });
    app.addHook('onRequest', async (request, reply) => {
      const started = performance.now();
      const route = registryRouteOf(request.url);
      inflight.inc();
      if (route) registryInflight.inc({ handler: route });
      // 'close' rather than onResponse: blob downloads hijack the reply, and aborted requests count too.
      reply.raw.once('close', () => {
        const seconds = (performance.now() - started) / 1000;
        const method = request.method;
        const code = String(reply.raw.statusCode);
        const operation = route ? V2_OPERATIONS[route] : operationOf(request);
        inflight.dec();
        total.inc({ method, code, operation });
        duration.observe({ method, operation }, seconds);
        if (route) {
          registryInflight.dec({ handler: route });
          registryTotal.inc({ handler: route, code, method });
          registryDuration.observe({ handler: route, method }, seconds);
        }
      });
    });
  }

  /** `driver` with distribution's storage action timings (registry_storage_action_seconds). */
  timeStorage(driver: StorageDriver): StorageDriver {
    const actions = new Histogram({
      name: 'registry_storage_action_seconds',
      help: 'The number of seconds that the storage action takes',
      labelNames: ['driver', 'action'],
      registers: [this.registry],
    });
    return new TimedStorage(driver, actions);
  }

  /** The exporter's series, read from the features that own the data when scraped (through short-lived snapshots). */
  observe(sources: MetricSources): void {
    const registers = [this.registry];
    const log = this.#log;
    // A failed read is logged once (not once per series it feeds); the scrape goes on without those series.
    const snapshot = <T>(what: string, compute: () => Promise<T>) =>
      new Snapshot(compute, { ...this.#times, onError: (error) => log.warn({ err: error }, `metrics: ${what} unavailable`) });
    const projects = snapshot('projects', () => projectFigures(sources.projects));
    const health = snapshot('health checks', () => sources.health());
    const system = snapshot('system information', () => sources.system());
    const jobs = snapshot('job service', () => sources.jobs.activity());
    /** A gauge filled from a snapshot; when the snapshot fails the scrape goes on without it (the health series tell). */
    const fromSnapshot = <T>(snapshot: Snapshot<T>, spec: { name: string; help: string; labelNames?: string[] }, fill: (gauge: Gauge, value: T) => void) => {
      // Refilled only when the snapshot changed: thousands of project series are not re-set on every scrape.
      let filled: T | undefined;
      return new Gauge({
        ...spec,
        labelNames: spec.labelNames ?? [],
        registers,
        async collect() {
          let value: T;
          try {
            value = await snapshot.get();
          } catch {
            this.reset();
            filled = undefined;
            return;
          }
          if (value === filled) return;
          this.reset();
          fill(this, value);
          filled = value;
        },
      });
    };

    fromSnapshot(projects, { name: 'harbor_project_total', help: 'Total projects number', labelNames: ['public'] }, (g, f) => {
      for (const t of f.totals) g.set({ public: String(t.public) }, t.count);
    });
    const perProject = (name: string, help: string, value: (p: ProjectFigures['projects'][number]) => number, withPublic = false) =>
      fromSnapshot(projects, { name, help, labelNames: withPublic ? ['project_name', 'public'] : ['project_name'] }, (g, f) => {
        for (const p of f.projects) g.set(withPublic ? { project_name: p.name, public: String(p.public) } : { project_name: p.name }, value(p));
      });
    perProject('harbor_project_repo_total', 'Total project repos number', (p) => p.repositories, true);
    perProject('harbor_project_member_total', 'Total members number of a project', (p) => p.members);
    perProject('harbor_project_quota_usage_byte', 'The used resource of a project', (p) => p.used);
    perProject('harbor_project_quota_byte', 'The quota of a project', (p) => p.hard);
    perProject('harbor_artifact_pulled', 'The pull number of an artifact', (p) => p.pulls);
    fromSnapshot(projects, { name: 'harbor_project_artifact_total', help: 'Total project artifacts number', labelNames: ['project_name', 'public', 'artifact_type'] }, (g, f) => {
      for (const p of f.projects) for (const [type, count] of p.artifacts) g.set({ project_name: p.name, public: String(p.public), artifact_type: type }, count);
    });

    // Health: never missing, so a scrape during an outage shows which component is down.
    const healthOf = async (): Promise<OverallHealth> => {
      try {
        return await health.get();
      } catch {
        return { status: 'unhealthy', components: [] };
      }
    };
    new Gauge({
      name: 'harbor_health',
      help: 'Running status of Harbor',
      registers,
      async collect() {
        this.set((await healthOf()).status === 'healthy' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'harbor_up',
      help: 'Running status of harbor component',
      labelNames: ['component'],
      registers,
      async collect() {
        this.reset();
        for (const c of (await healthOf()).components) this.set({ component: c.name }, c.status === 'healthy' ? 1 : 0);
      },
    });
    fromSnapshot(system, { name: 'harbor_system_info', help: 'Information of Harbor system', labelNames: ['auth_mode', 'harbor_version', 'self_registration'] }, (g, s) => {
      g.set({ auth_mode: s.authMode, harbor_version: BERTH_VERSION, self_registration: String(s.selfRegistration) }, 1);
    });

    fromSnapshot(jobs, { name: 'harbor_task_queue_size', help: 'Total number of tasks', labelNames: ['type'] }, (g, a) => {
      for (const q of a.queues) g.set({ type: q.jobType }, q.count);
    });
    fromSnapshot(jobs, { name: 'harbor_task_queue_latency', help: 'how long ago the next job to be processed was enqueued', labelNames: ['type'] }, (g, a) => {
      for (const q of a.queues) g.set({ type: q.jobType }, q.latency);
    });
    fromSnapshot(jobs, { name: 'harbor_task_concurrency', help: 'Total number of concurrency on a pool', labelNames: ['type', 'pool'] }, (g, a) => {
      for (const r of a.running) g.set({ type: r.vendorType, pool: r.poolId }, r.running);
    });
    fromSnapshot(jobs, { name: 'harbor_task_scheduled_total', help: 'total number of scheduled job' }, (g, a) => {
      g.set(a.scheduled);
    });
    new Gauge({ name: 'harbor_jobservice_info', help: 'the information of jobservice', labelNames: ['node', 'pool', 'workers'], registers }).set(
      { node: `${hostname()}:${process.pid}`, pool: sources.jobs.poolId, workers: String(sources.jobs.workerCount) },
      1,
    );
    const taskTotal = new Counter({ name: 'harbor_jobservice_task_total', help: 'The number of processed tasks', labelNames: ['type', 'status'], registers });
    const taskTime = this.#summary('harbor_jobservice_task_process_time_seconds', 'The time duration of the task processing time', ['type', 'status']);
    sources.jobs.onTaskRun((type, status, seconds) => {
      taskTotal.inc({ type, status });
      taskTime.observe({ type, status }, seconds);
    });
  }

  /** A summary as Harbor's: its objectives, over the last 10 minutes (in 5 rotating buckets). */
  #summary(name: string, help: string, labelNames: string[]): Summary {
    return new Summary({ name, help, labelNames, percentiles: PERCENTILES, maxAgeSeconds: 600, ageBuckets: 5, registers: [this.registry] });
  }

  /** The text exposition of every metric, as a scrape returns it. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * Harbor labels API requests with the swagger operation; Berth's routes are
 * known by their path template (/api/v2.0/projects/{project_name}), one per
 * route, so the label set stays bounded whatever URLs clients send.
 * Requests that matched no route are Harbor's `unknown`.
 */
function operationOf(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  return url === undefined ? 'unknown' : url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

async function projectFigures(sources: ProjectSources): Promise<ProjectFigures> {
  const [projects, content, quotas] = await Promise.all([sources.projects(), sources.contentTotals(), sources.quotas()]);
  const repositories = new Map(content.repositories.map((r) => [r.projectId, r]));
  const quota = new Map(quotas.map((q) => [q.projectId, q]));
  const artifacts = new Map<string, Map<string, number>>();
  for (const a of content.artifacts) {
    let types = artifacts.get(a.projectId);
    if (!types) artifacts.set(a.projectId, (types = new Map()));
    types.set(a.type, a.artifacts);
  }
  const publicCount = projects.filter((p) => p.public).length;
  return {
    totals: [
      { public: true, count: publicCount },
      { public: false, count: projects.length - publicCount },
    ],
    projects: projects.map((p) => ({
      name: p.name,
      public: p.public,
      members: p.members,
      repositories: repositories.get(p.id)?.repositories ?? 0,
      pulls: repositories.get(p.id)?.pulls ?? 0,
      hard: quota.get(p.id)?.hard ?? -1,
      used: quota.get(p.id)?.used ?? 0,
      artifacts: artifacts.get(p.id) ?? new Map(),
    })),
  };
}
