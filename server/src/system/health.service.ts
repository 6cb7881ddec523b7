import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { healthProbePath } from '../storage/paths.ts';
import type { StorageDriver } from '../storage/storage-driver.ts';

export type HealthStatus = 'healthy' | 'unhealthy';

/** Harbor's ComponentHealthStatus and OverallHealthStatus. */
export interface ComponentHealth {
  name: string;
  status: HealthStatus;
  error?: string;
}

export interface OverallHealth {
  status: HealthStatus;
  components: ComponentHealth[];
}

/** A check that has not answered by then counts as failed: a hung dependency must not hang the health endpoint. */
const CHECK_TIMEOUT_MS = 5000;

/** Readiness answers from a result this fresh, so a storm of probes costs the database one query a second. */
const READY_CACHE_MS = 1000;

/** The database has this long to answer a readiness check: within the probe timeouts load balancers use. */
const READY_TIMEOUT_MS = 2000;

interface Check {
  name: string;
  run: () => Promise<void>;
}

/**
 * Harbor's GET /health: every component Berth depends on, each checked for
 * real on every call — PostgreSQL answers a query; storage takes an object,
 * returns the same bytes and deletes it (a read-only, full or unmounted volume
 * fails here, where a listing would pass). The job service is in every
 * process (jobs/): its queue answers. Berth has no Redis, so it reports none
 * rather than inventing a status for it.
 * Concurrent calls share one round of checks, so the unauthenticated endpoint
 * cannot multiply the load it puts on the database and storage.
 */
export class HealthService {
  readonly #checks: Check[];
  readonly #database: Check;
  readonly #log: Logger;
  #running: Promise<OverallHealth> | undefined;
  #draining = false;
  #readiness: { at: number; reason: string | undefined } | undefined;
  #readyRound: Promise<string | undefined> | undefined;
  /** The readiness query still running, even past its timeout: never a second one beside it. */
  #readyQuery: Promise<void> | undefined;

  constructor(deps: { db: Db; storage: StorageDriver; log: Logger; jobs: { check(): Promise<void> } }) {
    const { db, storage, jobs } = deps;
    // One probe name per process: concurrent rounds are shared, and replicas never touch each other's probe.
    const probe = healthProbePath(randomUUID());
    this.#database = {
      name: 'database',
      run: async () => {
        await sql`SELECT 1`.execute(db);
      },
    };
    this.#checks = [
      this.#database,
      {
        name: 'storage',
        run: async () => {
          const content = randomBytes(16);
          await storage.putContent(probe, content);
          if (!(await storage.getContent(probe)).equals(content)) throw new Error('storage returned different bytes than were written');
          await storage.delete(probe);
        },
      },
      { name: 'jobservice', run: async () => await jobs.check() },
    ];
    this.#log = deps.log;
  }

  async status(): Promise<OverallHealth> {
    this.#running ??= this.#checkAll().finally(() => {
      this.#running = undefined;
    });
    return await this.#running;
  }

  /** From now on this process is not ready (SIGTERM): load balancers stop sending it requests. */
  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /**
   * GET /readyz: undefined when this process should get traffic, else why not
   * (`draining`, `database unavailable`). Only the database is asked: it is
   * what one replica can lose while others keep it (its pool, its network
   * path, the embedded server it restarts); storage and the job queue stay on
   * /api/v2.0/health, whose probe writes an object — too dear to run per probe.
   */
  async readiness(): Promise<string | undefined> {
    if (this.#draining) return 'draining';
    if (this.#readiness && Date.now() - this.#readiness.at < READY_CACHE_MS) return this.#readiness.reason;
    this.#readyRound ??= this.#checkReady().finally(() => {
      this.#readyRound = undefined;
    });
    return await this.#readyRound;
  }

  async #checkReady(): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let reason: string | undefined;
    try {
      this.#readyQuery ??= this.#database.run().finally(() => {
        this.#readyQuery = undefined;
      });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CheckTimeout()), READY_TIMEOUT_MS);
      });
      await Promise.race([this.#readyQuery, timeout]);
    } catch (error) {
      reason = 'database unavailable';
      if (this.#readiness?.reason !== reason) this.#log.warn({ err: error }, 'not ready: database unavailable');
    } finally {
      clearTimeout(timer);
    }
    if (reason === undefined && this.#readiness?.reason !== undefined) this.#log.info('ready again: the database answers');
    this.#readiness = { at: Date.now(), reason };
    return reason;
  }

  async #checkAll(): Promise<OverallHealth> {
    const components = await Promise.all(this.#checks.map((check) => this.#checkOne(check)));
    return { status: components.every((c) => c.status === 'healthy') ? 'healthy' : 'unhealthy', components };
  }

  async #checkOne(check: Check): Promise<ComponentHealth> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckTimeout()), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([check.run(), timeout]);
      return { name: check.name, status: 'healthy' };
    } catch (error) {
      this.#log.warn({ err: error, component: check.name }, 'health check failed');
      return { name: check.name, status: 'unhealthy', error: publicReason(check.name, error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

class CheckTimeout extends Error {}

/**
 * What an anonymous caller may learn of a failure: the component and an
 * error code (ECONNREFUSED, EACCES, a PostgreSQL SQLSTATE), never addresses,
 * paths or messages; the full error goes to the log.
 */
function publicReason(component: string, error: unknown): string {
  if (error instanceof CheckTimeout) return `the ${component} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? `the ${component} check failed (${code})` : `the ${component} check failed`;
}
