import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import type { Logger } from '../logger.ts';
import { migrations } from './migrations/index.ts';

export type Db = Kysely<Database>;

// bigint (int8) stays a string in pg by default; counts and sizes we read are below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export function createDatabase(url: string, maxConnections: number, log?: Logger): Db {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, application_name: 'berth' });
  // An idle connection that the server drops (restart, failover) must not crash the process;
  // the pool replaces it and the next query reconnects. Once the pool is ending (shutdown), a
  // connection still saying goodbye when the embedded server stops is expected, not a failure.
  pool.on('error', (error) => {
    if (!pool.ending) log?.warn({ err: error }, 'idle database connection failed');
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin({ maintainNestedObjectKeys: true })] });
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies pending migrations. Kysely runs them in one transaction on
 * PostgreSQL and holds a lock table, so replicas starting together apply each
 * migration once and a failing migration leaves the schema as it was.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message ?? error}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
