import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { systemJobRuns } from '../fixtures/system-job-runs.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * Harbor's /system/purgeaudit on Berth: the audit-log purge's schedule, runs (dry and real), history,
 * logs and stop on the job service, and its refusals — exact statuses and bodies.
 */
let t: TestApp;
let harbor: HarborApi;
const USER = basic('purge-user', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  ({ runNow, finished } = systemJobRuns(harbor, '/system/purgeaudit'));
  await harbor.createUser('purge-user');
});
after(async () => t.close());

/** Audit rows as the listener writes them, but `hoursAgo` old (the purge's input; only the listener writes new rows). */
async function seed(eventType: string, count: number, hoursAgo: number): Promise<void> {
  await sql`
    INSERT INTO audit_log (event_type, resource_type, resource, username, operation, op_time)
    SELECT ${eventType}, 'artifact', 'p/r:' || i, 'seeder', split_part(${eventType}, '_', 1), now() - make_interval(hours => ${hoursAgo})
    FROM generate_series(1, ${count}) AS i`.execute(t.db);
}

/** Rows by event type and by age: older than `hours` or not. */
async function census(hours: number): Promise<Record<string, number>> {
  const rows = await sql<{ key: string; n: string }>`
    SELECT event_type || (CASE WHEN op_time < now() - make_interval(hours => ${hours}) THEN ':old' ELSE ':new' END) AS key, count(*) AS n
    FROM audit_log WHERE username = 'seeder' GROUP BY 1`.execute(t.db);
  return Object.fromEntries(rows.rows.map((r) => [r.key, Number(r.n)]));
}

let runNow: ReturnType<typeof systemJobRuns>['runNow'];
let finished: ReturnType<typeof systemJobRuns>['finished'];

describe('/system/purgeaudit', () => {
  beforeEach(async () => {
    await sql`DELETE FROM audit_log WHERE username = 'seeder'`.execute(t.db);
  });

  it('deletes only the chosen event types older than the retention, in batches; the dry run counts exactly what the run deletes', async () => {
    await seed('create_artifact', 12_000, 48);
    await seed('delete_artifact', 7, 30);
    await seed('pull_artifact', 5, 48);
    await seed('create_artifact', 3, 1);
    await seed('delete_artifact', 2, 23);
    const before = await census(24);
    assert.deepEqual(before, { 'create_artifact:old': 12_000, 'delete_artifact:old': 7, 'pull_artifact:old': 5, 'create_artifact:new': 3, 'delete_artifact:new': 2 });

    const dryId = await runNow({ audit_retention_hour: 24, include_event_types: 'create_artifact, DELETE_ARTIFACT', dry_run: true });
    const dry = await finished(dryId);
    assert.equal(dry.job_status, 'Success');
    assert.deepEqual(JSON.parse(dry.job_parameters), { audit_retention_hour: 24, include_event_types: 'create_artifact,delete_artifact', dry_run: true });
    assert.match((await harbor.call('GET', `/system/purgeaudit/${dryId}/log`)).text, /\[INFO\] dry run, nothing deleted: would delete 12007 audit log rows older than \S+Z\n/);
    assert.deepEqual(await census(24), before, 'a dry run deletes nothing');

    const realId = await runNow({ audit_retention_hour: 24, include_event_types: 'create_artifact,delete_artifact' });
    assert.equal((await finished(realId)).job_status, 'Success');
    const log = await harbor.call('GET', `/system/purgeaudit/${realId}/log`);
    assert.equal(log.status, 200);
    assert.match(log.headers.get('content-type')!, /^text\/plain/);
    assert.match(log.text, /\[INFO\] purging audit log rows older than 24 h of event types: create_artifact, delete_artifact\n/);
    assert.match(log.text, /\[INFO\] deleted 12007 audit log rows older than \S+Z\n/);
    assert.deepEqual(await census(24), { 'pull_artifact:old': 5, 'create_artifact:new': 3, 'delete_artifact:new': 2 });
  });

  it('purges nothing when no event type is chosen, as Harbor', async () => {
    await seed('pull_artifact', 4, 100);
    const id = await runNow({ audit_retention_hour: 1 });
    assert.equal((await finished(id)).job_status, 'Success');
    assert.match((await harbor.call('GET', `/system/purgeaudit/${id}/log`)).text, /event types: none\n[^\n]*deleted 0 audit log rows/);
    assert.deepEqual(await census(1), { 'pull_artifact:old': 4 });
  });

  it('stops a running purge within 5 s, keeping what it deleted; the next run deletes the rest', async () => {
    await seed('pull_artifact', 300_000, 10);
    const id = await runNow({ audit_retention_hour: 1, include_event_types: 'pull_artifact' });
    await waitUntil(async () => (await harbor.call('GET', `/system/purgeaudit/${id}`)).body.job_status === 'Running', `purge ${id} running`, 30_000);
    const asked = Date.now();
    assert.equal((await harbor.call('PUT', `/system/purgeaudit/${id}`)).status, 200);
    assert.equal((await finished(id)).job_status, 'Stopped');
    assert.ok(Date.now() - asked < 5000, `stopped after ${Date.now() - asked} ms`);
    const log = (await harbor.call('GET', `/system/purgeaudit/${id}/log`)).text;
    const deleted = Number(/stopped after it deleted (\d+) audit log rows/.exec(log)?.[1]);
    assert.ok(deleted < 300_000, log);
    assert.deepEqual(await census(1), { 'pull_artifact:old': 300_000 - deleted });

    const again = await runNow({ audit_retention_hour: 1, include_event_types: 'pull_artifact' });
    assert.equal((await finished(again)).job_status, 'Success');
    assert.match((await harbor.call('GET', `/system/purgeaudit/${again}/log`)).text, new RegExp(`deleted ${300_000 - deleted} audit log rows`));
    assert.deepEqual(await census(1), {});
  });

  it('lists runs newest first, paged, and answers 404 for a run that is not a purge', async () => {
    const first = await runNow({ audit_retention_hour: 5, dry_run: true });
    await finished(first);
    const second = await runNow({ audit_retention_hour: 6, dry_run: true });
    await finished(second);
    const all = (await harbor.call('GET', '/system/purgeaudit?page_size=100')).body as { id: number }[];
    assert.deepEqual(all.slice(0, 2).map((run) => run.id), [Number(second), Number(first)]);
    const page = await harbor.call('GET', '/system/purgeaudit?page=1&page_size=1');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('x-total-count'), String(all.length));
    assert.match(page.headers.get('link')!, /page=2&page_size=1>; rel="next"/);
    const one = await harbor.call('GET', `/system/purgeaudit/${second}`);
    assert.deepEqual(
      { ...one.body, job_parameters: JSON.parse(one.body.job_parameters), creation_time: undefined, update_time: undefined },
      {
        id: Number(second),
        job_name: 'PURGE_AUDIT_LOG',
        job_kind: 'MANUAL',
        job_parameters: { audit_retention_hour: 6, include_event_types: '', dry_run: true },
        job_status: 'Success',
        deleted: false,
        creation_time: undefined,
        update_time: undefined,
      },
    );

    const gc = await harbor.call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { dry_run: true } } });
    const gcId = gc.headers.get('location')!.split('/').pop()!;
    assert.deepEqual((await harbor.call('GET', `/system/purgeaudit/${gcId}`)).body, { errors: [{ code: 'NOT_FOUND', message: `audit log purge ${gcId} not found` }] });
    assert.equal((await harbor.call('GET', `/system/purgeaudit/${gcId}/log`)).status, 404);
    assert.equal((await harbor.call('PUT', '/system/purgeaudit/999999')).status, 404);
  });

  it('sets, reads, changes and removes the schedule', async () => {
    assert.deepEqual((await harbor.call('GET', '/system/purgeaudit/schedule')).body, { schedule: { type: 'None' } });
    const created = await harbor.call('POST', '/system/purgeaudit/schedule', {
      body: { schedule: { type: 'Hourly', cron: '0 0 * * * *' }, parameters: { audit_retention_hour: 168, include_event_types: 'create_artifact,delete_artifact,pull_artifact', dry_run: true } },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), null);
    const hourly = (await harbor.call('GET', '/system/purgeaudit/schedule')).body;
    assert.deepEqual({ ...hourly.schedule, next_scheduled_time: undefined }, { type: 'Hourly', cron: '0 0 * * * *', next_scheduled_time: undefined });
    assert.match(hourly.schedule.next_scheduled_time, /:00:00\.000Z$/);
    assert.equal(hourly.job_name, 'PURGE_AUDIT_LOG');
    assert.deepEqual(JSON.parse(hourly.job_parameters), { audit_retention_hour: 168, include_event_types: 'create_artifact,delete_artifact,pull_artifact', dry_run: true });

    assert.equal((await harbor.call('PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Custom', cron: '0 15 3 * * *' }, parameters: { audit_retention_hour: 24 } } })).status, 200);
    const custom = (await harbor.call('GET', '/system/purgeaudit/schedule')).body;
    assert.deepEqual([custom.schedule.type, custom.schedule.cron, JSON.parse(custom.job_parameters).audit_retention_hour], ['Custom', '0 15 3 * * *', 24]);
    assert.deepEqual((await harbor.call('GET', '/system/gc/schedule')).body, { schedule: { type: 'None' } }, "GC's schedule is its own");

    assert.equal((await harbor.call('PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'None' } } })).status, 200);
    assert.deepEqual((await harbor.call('GET', '/system/purgeaudit/schedule')).body, { schedule: { type: 'None' } });
  });

  it('refuses bad parameters with 400 in Harbor’s envelope, naming what is wrong', async () => {
    for (const [parameters, message] of [
      [{}, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: 0 }, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: -3 }, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: 1.5 }, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: '24' }, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: 10_000_000 }, /^parameters: audit_retention_hour: /],
      [{ audit_retention_hour: 24, include_event_types: 'create_artifact,drop_table' }, /^parameters: include_event_types: unknown event types drop_table \(known: create_artifact, /],
      [{ audit_retention_hour: 24, include_event_types: ['create_artifact'] }, /^parameters: include_event_types: /],
      [{ audit_retention_hour: 24, dry_run: 'yes' }, /^parameters: dry_run: /],
    ] as const) {
      for (const [method, type] of [
        ['POST', 'Manual'],
        ['PUT', 'Daily'],
      ] as const) {
        const response = await harbor.call(method, '/system/purgeaudit/schedule', { body: { schedule: { type }, parameters } });
        assert.equal(response.status, 400, `${method} ${JSON.stringify(parameters)}`);
        assert.equal(response.body.errors.length, 1);
        assert.equal(response.body.errors[0].code, 'BAD_REQUEST');
        assert.match(response.body.errors[0].message, message);
      }
    }
    const cron = await harbor.call('PUT', '/system/purgeaudit/schedule', { body: { schedule: { type: 'Custom', cron: '* * *' }, parameters: { audit_retention_hour: 1 } } });
    assert.equal(cron.status, 400);
    assert.match(cron.body.errors[0].message, /Harbor's cron has 6 fields/);
    assert.deepEqual((await harbor.call('POST', '/system/purgeaudit/schedule', { body: { parameters: {} } })).body, { errors: [{ code: 'BAD_REQUEST', message: 'schedule.type is required' }] });
    assert.deepEqual((await harbor.call('GET', '/system/purgeaudit/schedule')).body, { schedule: { type: 'None' } }, 'nothing refused was saved');
  });

  it('is for system administrators only', async () => {
    for (const [method, path] of [
      ['GET', '/system/purgeaudit'],
      ['GET', '/system/purgeaudit/schedule'],
      ['POST', '/system/purgeaudit/schedule'],
      ['PUT', '/system/purgeaudit/schedule'],
      ['GET', '/system/purgeaudit/1'],
      ['PUT', '/system/purgeaudit/1'],
      ['GET', '/system/purgeaudit/1/log'],
    ] as const) {
      const body = method !== 'GET' && path.endsWith('schedule') ? { body: { schedule: { type: 'Manual' }, parameters: { audit_retention_hour: 1 } } } : {};
      const response = await harbor.call(method, path, { auth: USER, ...body });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.deepEqual(response.body, { errors: [{ code: 'FORBIDDEN', message: 'only system administrators may do this' }] });
      assert.equal((await harbor.call(method, path, { auth: null, ...body })).status, 401, `${method} ${path} anonymously`);
    }
  });
});
