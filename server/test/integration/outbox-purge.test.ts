import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { PURGE_EVENTS } from '../../src/events/outbox-purge.job.ts';
import { OutboxPurge } from '../../src/events/outbox-purge.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * Pruning the event outbox (PURGE_EVENTS): events go once every reader the code runs has applied them
 * and they are older than events.purging.age; an event a reader has not applied stays, however old.
 */
let t: TestApp;
const DAY = 86_400_000;

before(async () => {
  // Readers apply events only when the test drains them (and once at start), so a cursor stays where the test left it.
  t = await startTestApp({ BERTH_EVENTS_POLL_INTERVAL: '1h' });
});
after(async () => t.close());

/** Events as appendEvent writes them, `daysAgo` old, named `<label>-<i>`. */
async function seed(label: string, count: number, daysAgo: number): Promise<void> {
  await sql`
    INSERT INTO event (type, operator, resource_type, resource, occurred_at)
    SELECT 'create_artifact', 'seeder', 'artifact', ${label} || '-' || i, now() - make_interval(secs => ${(daysAgo * DAY) / 1000})
    FROM generate_series(1, ${count}) AS i`.execute(t.db);
}

async function left(label: string): Promise<number> {
  return Number((await sql<{ n: string }>`SELECT count(*) AS n FROM event WHERE resource LIKE ${`${label}-%`}`.execute(t.db)).rows[0]!.n);
}

/** Runs PURGE_EVENTS as its schedule does and returns its log. */
async function purge(ageMs: number): Promise<string> {
  const { executionId, taskId } = await t.jobs.enqueue(PURGE_EVENTS, { age_ms: ageMs });
  await waitUntil(async () => (await t.jobs.execution(executionId)).execution.status === 'Success', `PURGE_EVENTS ${executionId} succeeded`, 30_000);
  return (await t.jobs.log(taskId)).map((line) => line.message).join('\n');
}

describe('pruning the event outbox', () => {
  it('is scheduled daily by default', async () => {
    const schedule = (await t.jobs.schedules(100, 0)).rows.find((row) => row.vendorType === PURGE_EVENTS);
    assert.deepEqual([schedule?.cron, schedule?.payload], ['0 0 0 * * *', { age_ms: 7 * DAY }]);
  });

  it('deletes, in batches, the events every reader has applied that are older than the age, and keeps the younger ones', async () => {
    await seed('old', 12_000, 10);
    await seed('young', 3, 6);
    await t.flushBuffered();
    const log = await purge(7 * DAY);
    assert.match(log, /^deleted 12000 events older than \S+Z$/m);
    assert.deepEqual([await left('old'), await left('young')], [0, 3]);
  });

  it('keeps events a reader has not applied yet, however old', async () => {
    await seed('applied', 4, 30);
    await t.flushBuffered();
    await seed('ahead', 5, 30);
    await purge(0);
    assert.deepEqual([await left('applied'), await left('ahead')], [0, 5]);
    await t.flushBuffered();
    await purge(0);
    assert.equal(await left('ahead'), 0);
  });

  it('keeps every event while a reader known to the code has never run, and is not held back by a reader no longer in it', async () => {
    await seed('waiting', 6, 30);
    await t.flushBuffered();
    const result = await new OutboxPurge(t.db, ['audit', 'webhook']).purge(0, { signal: new AbortController().signal });
    assert.deepEqual([result.deleted, result.notStarted], [0, ['webhook']]);
    assert.equal(await left('waiting'), 6);

    await sql`INSERT INTO event_cursor (consumer) VALUES ('retired-reader')`.execute(t.db);
    await purge(0);
    assert.equal(await left('waiting'), 0);
  });
});
