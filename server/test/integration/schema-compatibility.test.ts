import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import pino from 'pino';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { migrations, type BerthMigration } from '../../src/db/migrations/index.ts';
import { migrationsToRun, NEWEST_KNOWN, SchemaTooNewError } from '../../src/db/schema-compatibility.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

/**
 * This Berth ("N") on a database a later release ("N+1") has migrated
 * further, as during a rolling upgrade: N+1 is simulated by Kysely's Migrator
 * running this Berth's migrations plus fabricated later ones, as N+1 would.
 */
describe('a database migrated by a newer Berth', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  const warnings: { msg: string; migrations?: string[] }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });

  /** What N+1 does at its start: apply its migrations, which are ours plus `later`. */
  const newerBerthMigrates = async (later: Record<string, BerthMigration>) => {
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrationsToRun([], { ...migrations, ...later }) } }).migrateToLatest();
    assert.equal(error, undefined);
  };
  const minimum = async () => (await sql<{ m: string }>`SELECT minimum_migration AS m FROM schema_compatibility`.execute(db)).rows[0]!.m;
  const applied = async () => (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)).rows.map((row) => row.name);

  before(async () => {
    database = await createTestDatabase();
    db = createDatabase(database.url, 2);
    assert.deepEqual(await migrateToLatest(db), Object.keys(migrations));
  });
  after(async () => {
    await db.destroy();
    await database.drop();
  });

  it('records this Berth as the oldest that may run on a fresh database', async () => {
    assert.equal(await minimum(), '0019-schema-compatibility');
    assert.equal(NEWEST_KNOWN, Object.keys(migrations).sort().at(-1));
  });

  it('runs beside expand-only migrations it does not know, with a warning naming them', async () => {
    await newerBerthMigrates({ '0098-future-expand': { kind: 'expand', up: async (trx) => void (await sql`ALTER TABLE project ADD COLUMN future_note text`.execute(trx)) } });
    assert.equal(await minimum(), '0019-schema-compatibility', 'an expand-only migration leaves the minimum');
    assert.deepEqual(await migrateToLatest(db, log), []);
    assert.deepEqual(
      warnings.map(({ msg, migrations }) => ({ msg, migrations })),
      [{ msg: 'the database has migrations of a newer Berth, all expand-only: running beside it', migrations: ['0098-future-expand'] }],
    );
    // This Berth's writes still work on the expanded schema.
    await db.insertInto('project').values({ name: 'written-by-n' }).execute();
  });

  it('refuses a schema a breaking migration it does not know has changed, naming the schema and the Berth it needs', async () => {
    const before = await applied();
    await newerBerthMigrates({
      '0098-future-expand': { kind: 'expand', up: async () => assert.fail('applied already') },
      '0099-future-breaking': { kind: 'breaking', up: async (trx) => void (await sql`ALTER TABLE project DROP COLUMN future_note`.execute(trx)) },
    });
    assert.equal(await minimum(), '0099-future-breaking', 'a breaking migration raises the minimum to itself');
    await assert.rejects(migrateToLatest(db, log), (error: unknown) => {
      assert.ok(error instanceof SchemaTooNewError);
      assert.equal(
        error.message,
        `the database's schema (at migration 0099-future-breaking) needs a Berth that knows migration 0099-future-breaking or later; this Berth knows up to ${NEWEST_KNOWN}: run the newer Berth, or restore the backup taken before the upgrade (docs/upgrading.md)`,
      );
      return true;
    });
    assert.deepEqual(await applied(), [...before, '0099-future-breaking'].sort(), 'the refusal changed nothing');
  });
});
