import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { appendEvent } from '../../src/events/outbox.ts';
import { ChangeListener, UNWATCHED_MAX_AGE_MS, type AnnouncedChange } from '../../src/events/change-listener.ts';
import { createLogger } from '../../src/logger.ts';
import { SettingsService } from '../../src/settings/settings.service.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';
import { waitUntil } from '../fixtures/wait.ts';

describe('the change listener: announcements at commit, short cache lives while deaf, everything dropped on reconnect', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let listener: ChangeListener;
  const heard: AnnouncedChange[] = [];
  let resets = 0;

  before(async () => {
    database = await createTestDatabase();
    db = createDatabase(database.url, 4);
    await migrateToLatest(db);
    listener = new ChangeListener(database.url, createLogger('silent'));
    listener.on(['update_user', 'delete_robot'], (change) => heard.push(change));
    listener.onReset(() => resets++);
    await listener.start();
  });
  after(async () => {
    await listener.stop();
    await db.destroy();
    await database.drop();
  });

  it('hears a cached kind of change once its transaction commits, never one rolled back, nor changes nobody caches', async () => {
    assert.equal(listener.listening, true);
    assert.equal(listener.maxAge(60_000), 60_000);
    await db
      .transaction()
      .execute(async (trx) => {
        await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: 'rolled-back', operator: 'admin' });
        throw new Error('abort');
      })
      .catch(() => undefined);
    await db.transaction().execute(async (trx) => {
      await appendEvent(trx, { type: 'create_project', resourceType: 'project', resource: 'p', operator: 'admin' });
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: 'alice', operator: 'admin' });
      await appendEvent(trx, { type: 'delete_robot', resourceType: 'robot', resource: 'robot$ci', operator: 'admin' });
    });
    await waitUntil(() => heard.length === 2, 'both announcements arrive');
    assert.deepEqual(heard, [
      { type: 'update_user', resource: 'alice' },
      { type: 'delete_robot', resource: 'robot$ci' },
    ]);
  });

  it('clears every cache on an announcement it cannot read (a newer Berth\'s, during a rolling upgrade)', async () => {
    const before = resets;
    await sql`SELECT pg_notify('berth_changes', '{"kind":"renamed-field"}')`.execute(db);
    await waitUntil(() => resets === before + 1, 'the caches are cleared');
  });

  it('hears a settings change made without an event: the settings announce their own changes', async () => {
    const settingsChanges: AnnouncedChange[] = [];
    listener.on(['update_configuration'], (change) => settingsChanges.push(change));
    await new SettingsService(db).update({ self_registration: true });
    await waitUntil(() => settingsChanges.length === 1, 'the settings change is announced');
    assert.deepEqual(settingsChanges, [{ type: 'update_configuration', resource: 'configurations' }]);
  });

  it('refuses a subscription to a kind of change that is never announced', () => {
    assert.throws(() => listener.on(['create_artifact'], () => undefined), /create_artifact events are not announced/);
  });

  it('serves entries for a short time only while its connection is down, and clears every cache once it listens again', async () => {
    const before = resets;
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${ChangeListener.applicationName()} AND datname = current_database()`.execute(db);
    await waitUntil(() => !listener.listening || resets > before, 'the listener notices the loss');
    if (!listener.listening) assert.equal(listener.maxAge(60_000), UNWATCHED_MAX_AGE_MS);
    await waitUntil(() => listener.listening && resets === before + 1, 'the listener is back and has cleared the caches');
    heard.length = 0;
    await db.transaction().execute((trx) => appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: 'bob', operator: 'admin' }));
    await waitUntil(() => heard.length === 1, 'an announcement arrives after the reconnection');
  });
});
