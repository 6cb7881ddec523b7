import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Transaction } from 'kysely';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { createDatabase, type Db } from '../../src/db/database.ts';
import type { Database } from '../../src/db/schema.ts';
import { EventReader, type EventConsumer } from '../../src/events/event-reader.ts';
import type { BerthEvent, StoredEvent } from '../../src/events/events.ts';
import { appendEvent } from '../../src/events/outbox.ts';
import { createLogger } from '../../src/logger.ts';

let t: TestApp;
let harbor: HarborApi;

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
});
after(async () => t.close());

const log = createLogger('warn');

async function auditRows(eventType: string, resource: string): Promise<{ operationDescription: string; username: string }[]> {
  return await t.db.selectFrom('auditLog').select(['operationDescription', 'username']).where('eventType', '=', eventType).where('resource', '=', resource).orderBy('id').execute();
}

function change(resource: string): BerthEvent {
  return { type: 'update_user', resourceType: 'user', resource, operator: 'admin' };
}

/** A reader of its own (the audit log's is the app's): what it was given, in order. */
function recordingConsumer(name: string): EventConsumer & { seen: string[] } {
  const seen: string[] = [];
  return { name, seen, apply: async (_trx, events: readonly StoredEvent[]) => void seen.push(...events.map((event) => event.resource)) };
}

/** Runs `work` in a transaction that stays open until the returned `commit` is called. */
function openTransaction(db: Db, work: (trx: Transaction<Database>) => Promise<void>): { ready: Promise<void>; commit: () => Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const done = db.transaction().execute(async (trx) => {
    await work(trx);
    started();
    await released;
  });
  return {
    ready,
    commit: async () => {
      release();
      await done;
    },
  };
}

describe('events in the transactional outbox', () => {
  it('writes no audit row for a change whose transaction fails after its event was appended, and one for a change that commits', async () => {
    const id = await harbor.createUser('doomed');
    // Fails the change's transaction at COMMIT, after every statement (the event's INSERT included) succeeded.
    await sql`CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$`.execute(t.db);
    await sql`CREATE CONSTRAINT TRIGGER refuse_doomed AFTER UPDATE ON user_account DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.realname = 'refused') EXECUTE FUNCTION refuse_doomed()`.execute(t.db);
    const failed = await harbor.call('PUT', `/users/${id}`, { body: { realname: 'refused', email: 'doomed@example.com' } });
    assert.equal(failed.status, 500);
    const kept = await harbor.call('PUT', `/users/${id}`, { body: { realname: 'kept', email: 'doomed@example.com' } });
    assert.equal(kept.status, 200);
    await t.flushBuffered();
    assert.equal((await t.db.selectFrom('userAccount').select('realname').where('id', '=', String(id)).executeTakeFirstOrThrow()).realname, 'kept');
    assert.deepEqual(await auditRows('update_user', 'doomed'), [{ operationDescription: 'profile', username: 'admin' }], 'one row: the committed change’s');
  });

  it('audits a committed change even when writing the audit log fails at first', async () => {
    const id = await harbor.createUser('persistent');
    await sql`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit write refused'; END $$`.execute(t.db);
    await sql`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`.execute(t.db);
    try {
      const changed = await harbor.call('PUT', `/users/${id}/password`, { body: { new_password: 'Another-Passw0rd-7' } });
      assert.equal(changed.status, 200, 'the change does not depend on the audit log being writable');
      await assert.rejects(t.flushBuffered(), /audit write refused/);
    } finally {
      await sql`DROP TRIGGER refuse_audit ON audit_log`.execute(t.db);
    }
    await t.flushBuffered();
    assert.deepEqual(await auditRows('update_user', 'persistent'), [{ operationDescription: 'password', username: 'admin' }]);
  });

  it('delivers an event whose transaction took a smaller id but committed later, before the events after it', async () => {
    const consumer = recordingConsumer('test-order');
    const ordered = new EventReader(t.db, consumer, log, { intervalMs: 60_000 });
    await ordered.drain();
    const first = openTransaction(t.db, (trx) => appendEvent(trx, change('slow')));
    await first.ready;
    await t.db.transaction().execute((trx) => appendEvent(trx, change('quick')));
    const ids = await t.db.selectFrom('event').select(['id', 'resource']).where('resource', 'in', ['slow', 'quick']).orderBy('id').execute();
    assert.deepEqual(
      ids.map((row) => row.resource),
      ['quick'],
      'the open transaction’s event is not visible yet',
    );
    assert.equal(await ordered.applyAvailable(), 0, 'a committed event waits while a transaction that started writing before it is open');
    await first.commit();
    await ordered.drain();
    assert.deepEqual(consumer.seen.slice(-2), ['slow', 'quick']);
    const both = await t.db.selectFrom('event').select(['id', 'resource']).where('resource', 'in', ['slow', 'quick']).orderBy('id').execute();
    assert.deepEqual(
      both.map((row) => row.resource),
      ['slow', 'quick'],
      'by id alone, a reader that had passed "quick" would have skipped "slow"',
    );
  });

  it('applies each event once when readers in two processes’ pools poll the same consumer', async () => {
    await sql`CREATE TABLE projected (seq bigserial PRIMARY KEY, event_id bigint NOT NULL)`.execute(t.db);
    const consumer: EventConsumer = {
      name: 'test-two-pools',
      apply: async (trx, events) => {
        await sql`INSERT INTO projected (event_id) SELECT unnest(${events.map((event) => event.id)}::bigint[])`.execute(trx);
      },
    };
    const pools = [createDatabase(t.config.database.url!, 4), createDatabase(t.config.database.url!, 4)];
    const readers = pools.map((db) => new EventReader(db, consumer, log, { intervalMs: 5 }));
    try {
      for (const reader of readers) reader.start();
      await Promise.all(
        Array.from({ length: 20 }, (_, writer) =>
          (async () => {
            for (let i = 0; i < 10; i++) await t.db.transaction().execute((trx) => appendEvent(trx, change(`burst-${writer}-${i}`)));
          })(),
        ),
      );
      await Promise.all(readers.map((reader) => reader.drain()));
    } finally {
      await Promise.all(readers.map((reader) => reader.stop()));
      await Promise.all(pools.map((db) => db.destroy()));
    }
    const projected = await sql<{ eventId: string }>`SELECT event_id FROM projected ORDER BY seq`.execute(t.db);
    const expected = await sql<{ id: string }>`SELECT id FROM event ORDER BY txid, id`.execute(t.db);
    assert.deepEqual(
      projected.rows.map((row) => row.eventId),
      expected.rows.map((row) => row.id),
      'every event once, in commit order',
    );
  });
});
