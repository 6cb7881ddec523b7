import { isIP } from 'node:net';
import { z } from 'zod';
import { intervalCron } from '../jobs/cron.ts';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 30s, 15m, 168h or 7d')
  .transform(parseDuration);

/** A scheduled job's interval (jobs/): it becomes a clock-aligned cron, so it must divide a minute, an hour or a day. */
const scheduleInterval = duration.refine((ms) => intervalCron(ms) !== undefined, 'expected an interval that divides a minute, an hour or a day, or whole days (e.g. 30s, 15m, 6h, 24h, 7d)');

/** Converts "168h"-style durations (as harbor.yml writes them) to milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`invalid duration ${value}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/**
 * database.acquire_timeout, statement_timeout and idle_in_transaction_timeout
 * (ms). Long enough for a blob placed on S3 inside a push's transaction; short
 * enough that a stuck session cannot hold a connection for long.
 */
export const DEFAULT_DATABASE_TIMEOUTS = { acquire: parseDuration('10s'), statement: parseDuration('2m'), idleInTransaction: parseDuration('5m') };

const port = z.coerce.number().int().min(0).max(65535);

/** An IPv4 or IPv6 address, or a CIDR block of either (10.0.0.0/8, fd00::/8). */
const proxyAddress = z.string().refine((value) => {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}, 'expected an IP address or a CIDR block (10.0.0.0/8, fd00::/8)');

const filesystemStorage = z.strictObject({
  rootdirectory: z.string().min(1).optional(),
});

const s3Storage = z.strictObject({
  region: z.string().min(1).default('us-east-1'),
  bucket: z.string().min(1),
  accesskey: z.string().optional(),
  secretkey: z.string().optional(),
  regionendpoint: z.url().optional(),
  forcepathstyle: z.boolean().default(true),
  rootdirectory: z.string().optional(),
  multipartpartsize: z.number().int().min(5 * 1024 * 1024).optional(),
  redirect: z.boolean().default(false),
  // Moves of objects above the threshold copy in parts of the chunk size (distribution's names); 5 GiB is CopyObject's limit.
  multipartcopythresholdsize: z.number().int().min(0).max(5 * 1024 ** 3).optional(),
  multipartcopychunksize: z.number().int().min(5 * 1024 * 1024).max(5 * 1024 ** 3).optional(),
});

/**
 * berth.yml, with keys modelled on harbor.yml so Harbor operators recognise
 * them. Every field has a default so `berth serve` works with no file at all.
 */
export const configSchema = z.strictObject({
  hostname: z.string().min(1).default('localhost'),
  external_url: z.url().optional(),
  /** Kept for existing configurations: with http.trusted_proxies empty, true trusts a proxy on this host (loopback) only. */
  behind_proxy: z.boolean().default(false),
  http: z
    .strictObject({
      port: port.default(8080),
      host: z.string().default('0.0.0.0'),
      /** An upload body sending nothing for this long is ended (408) and its partial chunk discarded; 0s: never. */
      upload_idle_timeout: duration.default(parseDuration('60s')),
      /** After SIGTERM, in-flight requests get this long to finish; those still running are then cut and the process exits 0. */
      drain_timeout: duration.default(parseDuration('30s')),
      /** After SIGTERM, /readyz answers 503 at once while new connections are still accepted this long, so a load balancer sees it first. */
      shutdown_delay: duration.default(parseDuration('0s')),
      /** Peers whose X-Forwarded-For/-Proto/-Host are believed: the reverse proxies in front, nobody else. */
      trusted_proxies: z.array(proxyAddress).default([]),
    })
    .prefault({}),
  https: z
    .strictObject({ port: port.default(8443), certificate: z.string().min(1), private_key: z.string().min(1) })
    .optional(),
  data_volume: z.string().min(1).default('./data'),
  admin_password: z.string().min(1).optional(),
  database: z
    .strictObject({
      url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
      max_open_conns: z.number().int().min(2).max(1000).default(20),
      // 0s turns a limit off.
      acquire_timeout: duration.default(DEFAULT_DATABASE_TIMEOUTS.acquire),
      statement_timeout: duration.default(DEFAULT_DATABASE_TIMEOUTS.statement),
      idle_in_transaction_timeout: duration.default(DEFAULT_DATABASE_TIMEOUTS.idleInTransaction),
    })
    .prefault({}),
  storage_service: z
    .strictObject({
      filesystem: filesystemStorage.optional(),
      s3: s3Storage.optional(),
      delete: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
      upload_purging: z
        .strictObject({
          enabled: z.boolean().default(true),
          age: duration.default(parseDuration('168h')),
          // A scheduled job (jobs/): clock-aligned ticks, fired once across replicas.
          interval: scheduleInterval.default(parseDuration('24h')),
        })
        .prefault({}),
    })
    .prefault({})
    .refine((s) => !(s.filesystem && s.s3), { message: 'configure only one of filesystem or s3' }),
  events: z
    .strictObject({
      /**
       * How often each process applies committed events to their readers (the audit log); a process
       * starting applies those left at once. Readers lag changes by at most about this much.
       */
      poll_interval: duration.refine((ms) => ms > 0, 'must be more than 0s').default(parseDuration('250ms')),
      /**
       * The outbox is pruned by a scheduled job (PURGE_EVENTS): events every reader has applied and older
       * than `age` go, so a reader added later (webhooks, replication) still finds this much history.
       */
      purging: z
        .strictObject({
          age: duration.default(parseDuration('168h')),
          interval: scheduleInterval.default(parseDuration('24h')),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The job service (jobs/): Harbor's max_job_workers, and how fast a dead process's jobs are taken over. */
  jobs: z
    .strictObject({
      /** Jobs of each type this process runs at once; 0: this process runs none (it still enqueues and schedules). */
      workers: z.number().int().min(0).max(100).default(10),
      /** Running jobs beat this often; a job whose process missed it is retried by another process within about twice this. pg-boss's minimum is 10s. */
      heartbeat: duration.default(parseDuration('10s')).refine((ms) => ms >= 10_000 && ms % 1000 === 0, 'expected whole seconds, at least 10s'),
      /** ES modules whose default export is a job type or a list of them (jobs/job-type.ts), loaded at start: job types beyond Berth's own. */
      modules: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info') }).prefault({}),
});

export type BerthConfig = z.output<typeof configSchema>;
