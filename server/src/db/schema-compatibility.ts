import { sql, type Kysely, type Migration } from 'kysely';
import { StartupError } from '../startup.ts';
import { migrations, type BerthMigration, type MigrationKind } from './migrations/index.ts';

/** The migration that created schema_compatibility: breaking migrations before it have nowhere to record themselves. */
const RECORDED_FROM = '0019-schema-compatibility';

/** What the database says about its schema. */
export interface SchemaState {
  /** Applied migrations, by name. */
  applied: string[];
  /** The oldest migration a Berth must know to run here; undefined before 0019. */
  minimum: string | undefined;
}

/** This Berth's migrations in order (a schema is named by the migrations applied to it), and the newest of them. */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations).sort();
export const NEWEST_KNOWN = KNOWN_MIGRATIONS.at(-1)!;

/** A database whose schema needs a newer Berth: one line for the operator, exit 1. */
export class SchemaTooNewError extends StartupError {
  constructor(state: SchemaState) {
    const newest = [...state.applied].sort().at(-1);
    super(
      `the database's schema (at migration ${newest}) needs a Berth that knows migration ${state.minimum} or later; this Berth knows up to ${NEWEST_KNOWN}: run the newer Berth, or restore the backup taken before the upgrade (docs/upgrading.md)`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Reads the applied migrations and the recorded minimum; an empty database has neither. */
export async function readSchemaState(db: Kysely<any>): Promise<SchemaState> {
  const { rows } = await sql<{ migrations: string | null; compatibility: string | null }>`
    SELECT to_regclass('kysely_migration')::text AS migrations, to_regclass('schema_compatibility')::text AS compatibility`.execute(db);
  const applied = rows[0]!.migrations ? (await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)).rows.map((row) => row.name) : [];
  const minimum = rows[0]!.compatibility ? (await sql<{ minimum: string }>`SELECT minimum_migration AS minimum FROM schema_compatibility`.execute(db)).rows[0]?.minimum : undefined;
  return { applied, minimum };
}

/**
 * Refuses a schema this Berth cannot run on (SchemaTooNewError); otherwise
 * answers the applied migrations it does not know — expand-only ones of a
 * newer Berth, which this one runs beside during a rolling upgrade.
 */
export function unknownMigrations(state: SchemaState): string[] {
  if (state.minimum !== undefined && state.minimum > NEWEST_KNOWN) throw new SchemaTooNewError(state);
  return state.applied.filter((name) => !Object.hasOwn(migrations, name)).sort();
}

/** Migrations not yet applied, in order, with their kind. */
export function pendingMigrations(state: SchemaState): { name: string; kind: MigrationKind }[] {
  return KNOWN_MIGRATIONS.filter((name) => !state.applied.includes(name)).map((name) => ({ name, kind: migrations[name]!.kind }));
}

/**
 * What Kysely's Migrator runs: each migration of this Berth (`known`; tests
 * add a later release's), a breaking one
 * raising the recorded minimum in the same transaction, and a stand-in for
 * each applied one it does not know (`unknown`): the Migrator refuses a
 * database with applied migrations missing from its list, and never runs a
 * stand-in, since they are applied.
 */
export function migrationsToRun(unknown: readonly string[], known: Readonly<Record<string, BerthMigration>> = migrations): Record<string, Migration> {
  const run: Record<string, Migration> = Object.fromEntries(Object.entries(known).map(([name, migration]) => [name, recorded(name, migration)]));
  for (const name of unknown) {
    run[name] = {
      up: async () => {
        throw new Error(`migration ${name} is not known to this Berth`);
      },
    };
  }
  return run;
}

function recorded(name: string, migration: BerthMigration): Migration {
  if (migration.kind !== 'breaking' || name < RECORDED_FROM) return migration;
  return {
    ...migration,
    up: async (db) => {
      await migration.up(db);
      await sql`UPDATE schema_compatibility SET minimum_migration = ${name}`.execute(db);
    },
  };
}
