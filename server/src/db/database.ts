import { AsyncLocalStorage } from 'node:async_hooks';
import {
  CamelCasePlugin,
  DefaultQueryExecutor,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type ConnectionProvider,
  type DatabaseConnection,
  type Driver,
  type PostgresPoolClient,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import type { Logger } from '../logger.ts';
import { migrationsToRun, readSchemaState, unknownMigrations } from './schema-compatibility.ts';
import { DEFAULT_DATABASE_TIMEOUTS } from '../config/config.schema.ts';

export type Db = Kysely<Database>;

// bigint (int8) stays a string in pg by default; counts and sizes we read are below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

/** Milliseconds; 0 turns a limit off. */
interface DatabaseTimeouts {
  /** How long a query waits for a pool connection (or for a new connection to open) before failing. */
  acquire: number;
  /** PostgreSQL's statement_timeout for every session. */
  statement: number;
  /** PostgreSQL's idle_in_transaction_session_timeout for every session. */
  idleInTransaction: number;
}

/**
 * Marks the async context of code that holds a pool connection (a
 * transaction's callback, a reserved connection). `open` goes false when the
 * connection is released, so timers and promises that outlive it are free.
 */
const holding = new AsyncLocalStorage<{ open: boolean }>();

/** Marks code whose queries may run longer than statement_timeout (migrations set it to 0): no read bound. */
const unbounded = new AsyncLocalStorage<true>();

/**
 * How much longer than statement_timeout the client waits for an answer. The
 * server ends a statement at statement_timeout and says so at once; no answer
 * by then means the network to it froze (packets dropped, no reset), where a
 * query would otherwise wait forever on an open pooled connection.
 */
const READ_MARGIN_MS = 5000;

/**
 * Thrown when code that holds a pool connection asks the pool for another:
 * with every connection held by callers waiting the same way, the pool
 * deadlocks (a settings read inside a manifest transaction did). Use the
 * transaction (`trx`) or read before opening it.
 */
export class NestedConnectionError extends Error {
  constructor() {
    super('a second database connection was requested while this task holds one (inside a transaction?): pass the transaction instead');
    this.name = 'NestedConnectionError';
  }
}

/**
 * Kysely's connection provider, plus the guard against nested acquisition.
 * It throws except with NODE_ENV=production, where it logs: a path the tests
 * never took must not fail for users, and the pool's acquire timeout still
 * turns the deadlock into 503s there.
 */
class GuardedConnectionProvider implements ConnectionProvider {
  readonly #driver: Driver;
  readonly #ready: Promise<void>;
  readonly #pool: pg.Pool;
  readonly #log: Logger | undefined;

  constructor(driver: Driver, pool: pg.Pool, log: Logger | undefined) {
    this.#driver = driver;
    this.#ready = driver.init();
    this.#pool = pool;
    this.#log = log;
  }

  async provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    if (holding.getStore()?.open) {
      const error = new NestedConnectionError();
      if (process.env.NODE_ENV !== 'production') throw error;
      this.#log?.error({ err: error }, 'nested database connection');
    }
    if (this.#pool.ending) throw new DatabaseClosedError();
    await this.#ready;
    const connection = await this.#driver.acquireConnection();
    const mark = { open: true };
    try {
      return await holding.run(mark, () => consumer(connection));
    } finally {
      mark.open = false;
      await this.#driver.releaseConnection(connection);
    }
  }
}

/** A query after the pool was closed (shutdown). */
export class DatabaseClosedError extends Error {
  constructor() {
    super('the database connection pool is closed');
    this.name = 'DatabaseClosedError';
  }
}

export function createDatabase(url: string, maxConnections: number, log?: Logger, timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max: maxConnections,
    application_name: 'berth',
    // Never wait forever for a connection: a full pool or an unreachable server fails the request (503) instead.
    connectionTimeoutMillis: timeouts.acquire,
    // Sent in the start-up packet, so they hold on an external server too, whatever its own defaults.
    statement_timeout: timeouts.statement,
    idle_in_transaction_session_timeout: timeouts.idleInTransaction,
  });
  // A connection that breaks (server restart, failover, a killed backend) emits 'error'. The pool
  // listens only while a connection is idle; an 'error' with no listener would kill the process, so
  // every connection gets one for its whole life. The query running on it fails on its own (→ 503),
  // and the pool discards the connection when it comes back. Once the pool is ending (shutdown), a
  // connection still saying goodbye when the embedded server stops is expected, not a failure.
  const connectionFailed = (error: Error) => {
    if (!pool.ending) log?.warn({ err: error }, 'database connection failed');
  };
  pool.on('connect', (client) => client.on('error', connectionFailed));
  pool.on('error', () => {
    // Already logged by the connection's own listener.
  });
    const readTimeout = timeouts.statement > 0 ? timeouts.statement + READ_MARGIN_MS : 0;
  const dialect = new PostgresDialect({ pool: { connect: async () => releasedBrokenOnFatal(await pool.connect(), readTimeout), end: () => pool.end() } });
  const driver = dialect.createDriver();
  const plugins = [new CamelCasePlugin({ maintainNestedObjectKeys: true })];
  const executor = new DefaultQueryExecutor(dialect.createQueryCompiler(), dialect.createAdapter(), new GuardedConnectionProvider(driver, pool, log), plugins);
  return new Kysely<Database>({ config: { dialect, plugins }, dialect, driver, executor });
}

/** Runs one query inside whatever observes it (tracing/: a span per query). */
export type QueryTracer = <T>(text: string, run: () => Promise<T>) => Promise<T>;

/** Set only while tracing is on: otherwise a query costs one comparison more. */
let queryTracer: QueryTracer | undefined;

export function traceDatabaseQueries(tracer: QueryTracer | undefined): void {
  queryTracer = tracer;
}

/**
 * A pooled client as Kysely uses it, which goes back to the pool as broken
 * once a query on it failed with a FATAL error (pg_terminate_backend, an
 * administrator's or the server's shutdown): the server has ended that
 * session, but the socket's end may arrive only after the release, and the
 * pool would hand the dead connection to the next request meanwhile. Each
 * query waits at most `readTimeout` ms for its answer (0: forever); one that
 * ran out leaves the connection mid-protocol, so it goes back broken too.
 */
function releasedBrokenOnFatal(client: pg.PoolClient, readTimeout: number): PostgresPoolClient {
  let broken: Error | undefined;
  const query = async (text: string, parameters: readonly unknown[]) => {
    const bound = readTimeout > 0 && !unbounded.getStore() ? { query_timeout: readTimeout } : {};
    try {
      const run = () => client.query({ text, values: parameters as unknown[], ...bound });
      return await (queryTracer ? queryTracer(text, run) : run());
    } catch (error) {
      const severity = (error as { severity?: unknown }).severity;
      if (severity === 'FATAL' || severity === 'PANIC' || (error as Error).message === 'Query read timeout') broken = error as Error;
      throw error;
    }
  };
  // Only the (sql, parameters) form: the dialect has no cursor configured, so Kysely never passes one.
  return { query, release: () => client.release(broken) } as unknown as PostgresPoolClient;
}

/**
 * Applies pending migrations, once across every process: Kysely runs them in
 * one transaction under a session advisory lock of its own on PostgreSQL
 * (pg_advisory_lock in its PostgresAdapter), so replicas starting together
 * wait for each other, the later ones find nothing pending, and a failing
 * migration leaves the schema as it was. Berth holds a second advisory lock
 * around the whole step, so the compatibility check (schema-compatibility.ts:
 * SchemaTooNewError for a schema that needs a newer Berth; a warning for
 * expand-only migrations of a newer one) sees the schema it migrates. They run
 * on one connection without the sessions' statement and idle timeouts: a
 * migration rewriting a large table may legitimately take long.
 */
export async function migrateToLatest(db: Db, log?: Logger): Promise<string[]> {
  return await migrate(db, log, (migrator) => migrator.migrateToLatest());
}

/** Applies migrations up to and including `name` (berth restore: the schema a backup was taken at), as migrateToLatest does. */
export async function migrateTo(db: Db, name: string): Promise<string[]> {
  return await migrate(db, undefined, (migrator) => migrator.migrateTo(name));
}

async function migrate(db: Db, log: Logger | undefined, run: (migrator: Migrator) => ReturnType<Migrator['migrateToLatest']>): Promise<string[]> {
  const { error, results } = await db.connection().execute((connection) => unbounded.run(true, async () => {
    await sql`SET statement_timeout = 0`.execute(connection);
    await sql`SET idle_in_transaction_session_timeout = 0`.execute(connection);
    await sql`SELECT pg_advisory_lock(hashtextextended('berth.migrations', 0))`.execute(connection);
    try {
      const unknown = unknownMigrations(await readSchemaState(connection));
      if (unknown.length > 0) log?.warn({ migrations: unknown }, 'the database has migrations of a newer Berth, all expand-only: running beside it');
      return await run(new Migrator({ db: connection, provider: { getMigrations: async () => migrationsToRun(unknown) } }));
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtextextended('berth.migrations', 0))`.execute(connection).catch(() => undefined);
      // Back to the values from the connection's start-up packet before the pool hands it out again.
      await sql`RESET statement_timeout`.execute(connection).catch(() => undefined);
      await sql`RESET idle_in_transaction_session_timeout`.execute(connection).catch(() => undefined);
    }
  }));
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
