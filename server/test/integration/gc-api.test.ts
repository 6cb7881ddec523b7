import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { imageOf, makeLayer } from '../fixtures/image-builder.ts';
import { systemJobRuns } from '../fixtures/system-job-runs.ts';

/**
 * Harbor's /system/gc on Berth: run now (GC Now and dry run), history, one run, its log, schedules,
 * stop, and the refusals — exact statuses and bodies, as Harbor's portal and clients rely on them.
 */
let t: TestApp;
let harbor: HarborApi;
const USER = basic('gc-user', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  ({ runNow, finished } = systemJobRuns(harbor, '/system/gc'));
  await harbor.createUser('gc-user');
  await t.client.createProject('gcapi');
});
after(async () => t.close());

let runNow: ReturnType<typeof systemJobRuns>['runNow'];
let finished: ReturnType<typeof systemJobRuns>['finished'];

describe('/system/gc', () => {
  it('runs a dry run and then GC now: the dry run’s log names what the real run deletes; history lists both', async () => {
    const image = imageOf([await makeLayer(2000, 'api-gone')], { created: 'api-gone' });
    await t.client.pushImage('gcapi/app', 'gone', image);
    assert.equal((await t.client.request('DELETE', `/v2/gcapi/app/manifests/${image.manifest.digest}`)).status, 202);

    const dryId = await runNow({ dry_run: true, time_window: 0, workers: 2, delete_untagged: true });
    assert.equal((await finished(dryId)).job_status, 'Success');
    const dryLog = (await harbor.call('GET', `/system/gc/${dryId}/log`)).text;
    assert.match(dryLog, new RegExp(`would delete blob ${image.layers[0]!.digest} \\(${image.layers[0]!.size} bytes\\)`));
    assert.equal((await t.client.request('HEAD', `/v2/gcapi/app/blobs/${image.layers[0]!.digest}`)).status, 200, 'a dry run deletes nothing');

    const realId = await runNow({ time_window: 0 });
    assert.equal((await finished(realId)).job_status, 'Success');
    const log = await harbor.call('GET', `/system/gc/${realId}/log`);
    assert.equal(log.status, 200);
    assert.match(log.headers.get('content-type')!, /^text\/plain/);
    assert.match(log.text, new RegExp(`\\[INFO\\] deleted blob ${image.layers[0]!.digest}`));
    assert.match(log.text, /\[INFO\] done: 0 artifacts, 2 blobs marked, 2 swept, 0 links, 0 unknown bytes, 0 uploads, [\d.]+ KiB freed\n/);
    assert.equal((await t.client.request('HEAD', `/v2/gcapi/app/blobs/${image.layers[0]!.digest}`)).status, 404);

    const one = await harbor.call('GET', `/system/gc/${realId}`);
    assert.equal(one.status, 200);
    assert.deepEqual(
      { ...one.body, job_parameters: JSON.parse(one.body.job_parameters), creation_time: undefined, update_time: undefined },
      {
        id: Number(realId),
        job_name: 'GARBAGE_COLLECTION',
        job_kind: 'MANUAL',
        job_parameters: { delete_untagged: false, dry_run: false, workers: 1, time_window: 0 },
        job_status: 'Success',
        deleted: false,
        creation_time: undefined,
        update_time: undefined,
      },
    );
    const history = await harbor.call('GET', '/system/gc?page=1&page_size=1');
    assert.equal(history.status, 200);
    assert.equal(history.headers.get('x-total-count'), '2');
    assert.deepEqual(
      history.body.map((run: { id: number }) => run.id),
      [Number(realId)],
    );
    assert.match(history.headers.get('link')!, /page=2&page_size=1>; rel="next"/);
  });

  it('sets, reads, changes and removes the schedule', async () => {
    assert.deepEqual((await harbor.call('GET', '/system/gc/schedule')).body, { schedule: { type: 'None' } });
    const created = await harbor.call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Daily', cron: '0 0 0 * * *' }, parameters: { delete_untagged: true, workers: 3 } } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), null);
    const daily = (await harbor.call('GET', '/system/gc/schedule')).body;
    assert.deepEqual({ ...daily.schedule, next_scheduled_time: undefined }, { type: 'Daily', cron: '0 0 0 * * *', next_scheduled_time: undefined });
    assert.match(daily.schedule.next_scheduled_time, /T00:00:00\.000Z$/);
    assert.deepEqual(JSON.parse(daily.job_parameters), { delete_untagged: true, dry_run: false, workers: 3, time_window: 2 });
    assert.equal(daily.job_name, 'GARBAGE_COLLECTION');

    assert.equal((await harbor.call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '0 30 2 * * 1' }, parameters: {} } })).status, 200);
    assert.deepEqual(((await harbor.call('GET', '/system/gc/schedule')).body.schedule as { type: string; cron: string }).cron, '0 30 2 * * 1');
    assert.equal(((await harbor.call('GET', '/system/gc/schedule')).body.schedule as { type: string }).type, 'Custom');

    assert.equal((await harbor.call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'None' } } })).status, 200);
    assert.deepEqual((await harbor.call('GET', '/system/gc/schedule')).body, { schedule: { type: 'None' } });
  });

  it('refuses bad parameters, a bad cron and a missing type with 400, naming what is wrong', async () => {
    const workers = await harbor.call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Manual' }, parameters: { workers: 9 } } });
    assert.equal(workers.status, 400);
    assert.equal(workers.body.errors[0].code, 'BAD_REQUEST');
    assert.match(workers.body.errors[0].message, /^parameters: workers: /);
    const cron = await harbor.call('PUT', '/system/gc/schedule', { body: { schedule: { type: 'Custom', cron: '* * *' } } });
    assert.equal(cron.status, 400);
    assert.match(cron.body.errors[0].message, /Harbor's cron has 6 fields/);
    const type = await harbor.call('POST', '/system/gc/schedule', { body: { parameters: {} } });
    assert.deepEqual(type.body, { errors: [{ code: 'BAD_REQUEST', message: 'schedule.type is required' }] });
    const kind = await harbor.call('POST', '/system/gc/schedule', { body: { schedule: { type: 'Yearly' } } });
    assert.equal(kind.status, 400);
  });

  it('answers 404 for a run that is not there, and stops a run through PUT', async () => {
    const missing = await harbor.call('GET', '/system/gc/999999');
    assert.deepEqual(missing.body, { errors: [{ code: 'NOT_FOUND', message: 'garbage collection 999999 not found' }] });
    assert.equal((await harbor.call('GET', '/system/gc/abc/log')).status, 404);
    assert.equal((await harbor.call('PUT', '/system/gc/999999')).status, 404);
    const id = await runNow({ time_window: 0 });
    assert.equal((await harbor.call('PUT', `/system/gc/${id}`)).status, 200);
    assert.match((await finished(id)).job_status, /^(Stopped|Success)$/);
  });

  it('pages the history newest first: every run on exactly one page, X-Total-Count the number of runs, Link to the next page', async () => {
    const before = Number((await harbor.call('GET', '/system/gc?page_size=1')).headers.get('x-total-count'));
    const created: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await runNow({ dry_run: true, time_window: 0 });
      await finished(id);
      created.unshift(Number(id));
    }
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const response = await harbor.call('GET', `/system/gc?page=${page}&page_size=2`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-total-count'), String(before + 3));
      const ids = (response.body as { id: number }[]).map((run) => run.id);
      if (ids.length === 0) break;
      assert.ok(ids.length <= 2);
      assert.equal(/rel="next"/.test(response.headers.get('link') ?? ''), page * 2 < before + 3, `page ${page}'s Link header`);
      seen.push(...ids);
    }
    assert.equal(new Set(seen).size, before + 3, 'every run once');
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a), 'newest first');
    assert.deepEqual(seen.slice(0, 3), created);
  });

  it('is for system administrators only', async () => {
    for (const [method, path] of [
      ['GET', '/system/gc'],
      ['GET', '/system/gc/schedule'],
      ['POST', '/system/gc/schedule'],
      ['GET', '/system/gc/1/log'],
    ] as const) {
      const response = await harbor.call(method, path, { auth: USER, ...(method === 'POST' && { body: { schedule: { type: 'Manual' } } }) });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(response.body.errors[0].code, 'FORBIDDEN');
    }
    assert.equal((await harbor.call('GET', '/system/gc', { auth: null })).status, 401);
  });
});
