import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, NestedConnectionError, type Db } from '../../src/db/database.ts';
import { isDatabaseUnavailable } from '../../src/db/unavailable.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;

before(async () => {
  database = await createTestDatabase();
});
after(async () => database.drop());

describe('the connection pool', () => {
  let db: Db;
  before(() => {
    db = createDatabase(database.url, 2, undefined, { acquire: 300, statement: 500, idleInTransaction: 0 });
  });
  after(async () => db.destroy());

  it('refuses a second pool connection to code inside a transaction, and rolls the transaction back', async () => {
    await sql`CREATE TABLE IF NOT EXISTS nested_probe (n int)`.execute(db);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`INSERT INTO nested_probe VALUES (1)`.execute(trx);
        await sql`SELECT 1`.execute(db);
      }),
      NestedConnectionError,
    );
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM nested_probe`.execute(db);
    assert.equal(rows[0]!.n, 0);
  });

  it('lets work a transaction started outside it use the pool once the transaction has ended', async () => {
    let later!: Promise<unknown>;
    await db.transaction().execute(async () => {
      later = new Promise((resolve) => setTimeout(resolve, 20)).then(() => sql`SELECT 1`.execute(db));
    });
    await later;
  });

  it('fails a query that cannot get a connection within the acquire timeout, as "database unavailable", instead of waiting forever', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const holders = [0, 1].map(() => db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      await held;
    }));
    const started = Date.now();
    const error = await sql`SELECT 1`.execute(db).then(() => undefined, (e: unknown) => e);
    release();
    await Promise.all(holders);
    assert.ok(error instanceof Error, 'the third query failed');
    assert.ok(isDatabaseUnavailable(error), String(error));
    assert.ok(Date.now() - started < 5_000);
  });

  it('ends statements running longer than statement_timeout, as "database unavailable"', async () => {
    const error = await sql`SELECT pg_sleep(2)`.execute(db).then(() => undefined, (e: unknown) => e);
    assert.equal((error as { code?: string }).code, '57014');
    assert.ok(isDatabaseUnavailable(error));
  });
});

describe('migrations', () => {
  it('run without the sessions’ statement timeout, which is back in force afterwards', async () => {
    const fresh = await createTestDatabase();
    const db = createDatabase(fresh.url, 2, undefined, { acquire: 5_000, statement: 1, idleInTransaction: 60_000 });
    try {
      assert.ok((await migrateToLatest(db)).length > 0);
      const settings = await sql<{ statement: string; idle: string }>`
        SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle`
        .execute(db)
        .then(
          ({ rows }) => rows[0],
          // Even this query may take longer than 1 ms on a busy machine: the timeout is in force then, too.
          (error: { code?: string }) => (error.code === '57014' ? { statement: '1ms', idle: '1min' } : Promise.reject(error)),
        );
      assert.deepEqual(settings, { statement: '1ms', idle: '1min' });
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
