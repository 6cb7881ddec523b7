import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { TEST_JOBS_MODULE } from '../fixtures/test-jobs.ts';
import { waitUntil } from '../fixtures/wait.ts';
import type { TaskRow } from '../../src/jobs/jobs.store.ts';

let t: TestApp;
let harbor: HarborApi;
const USER = basic('jobs-user', TEST_PASSWORD);

before(async () => {
  t = await startTestApp({ BERTH_JOBS_MODULES: TEST_JOBS_MODULE });
  harbor = new HarborApi(t.url);
  await harbor.createUser('jobs-user');
});
after(async () => t.close());

async function taskOf(taskId: string): Promise<TaskRow> {
  return await t.jobs.task(taskId);
}

async function waitForStatus(taskId: string, status: string, timeoutMs = 15_000): Promise<TaskRow> {
  await waitUntil(async () => (await taskOf(taskId)).status === status, `task ${taskId} is ${status}`, timeoutMs);
  return await taskOf(taskId);
}

async function logOf(taskId: string): Promise<string> {
  const response = await harbor.call('GET', `/jobservice/jobs/${taskId}/log`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/plain/);
  return response.text;
}

describe('executions, tasks and logs', () => {
  it('runs an enqueued job once: execution and task Success, run count 1, its log served as text', async () => {
    const { executionId, taskId } = await t.jobs.enqueue('TEST_SLEEP', { ms: 50 });
    const task = await waitForStatus(taskId, 'Success');
    assert.equal(task.runCount, 1);
    assert.equal(task.statusCode, 0);
    assert.ok(task.startTime && task.endTime && task.endTime >= task.startTime);
    const { execution } = await t.jobs.execution(executionId);
    assert.equal(execution.status, 'Success');
    assert.equal(execution.trigger, 'MANUAL');
    assert.equal(execution.vendorType, 'TEST_SLEEP');
    assert.ok(execution.endTime);
    const log = await logOf(taskId);
    assert.match(log, /^\S+Z \[INFO\] attempt 1 of 3 started on /m);
    assert.match(log, /\[INFO\] sleeping 50 ms/);
    assert.match(log, /\[INFO\] finished\n$/);
  });

  it('refuses a payload that does not match the job type with a 400 naming the field, queueing nothing', async () => {
    await assert.rejects(t.jobs.enqueue('TEST_SLEEP', { ms: 'soon' }), (error: Error & { code?: string }) => error.code === 'BAD_REQUEST' && /ms:/.test(error.message));
  });

  it('retries a failing job with the declared delay until it succeeds, logging each failure', async () => {
    const { taskId } = await t.jobs.enqueue('TEST_FLAKY', { failures: 2 });
    const task = await waitForStatus(taskId, 'Success', 30_000);
    assert.equal(task.runCount, 3);
    const lines = (await t.jobs.log(taskId)).filter((l) => /failed|succeeded/.test(l.message));
    assert.deepEqual(
      lines.map((l) => l.message),
      ['attempt 1 failed: failure 1 of 2; it will be retried', 'attempt 2 failed: failure 2 of 2; it will be retried', 'succeeded on attempt 3'],
    );
    // retry: 1 s, with backoff: each retry waits at least the declared delay.
    assert.ok(lines[1]!.loggedAt.getTime() - lines[0]!.loggedAt.getTime() >= 900, 'the first retry waited the delay');
    assert.ok(lines[2]!.loggedAt.getTime() - lines[1]!.loggedAt.getTime() >= 900, 'the second retry waited the delay');
  });

  it('ends as Error (status code 1) when every attempt failed, and says so in the execution', async () => {
    const { executionId, taskId } = await t.jobs.enqueue('TEST_FLAKY', { failures: 5 });
    const task = await waitForStatus(taskId, 'Error', 30_000);
    assert.equal(task.runCount, 3);
    assert.equal(task.statusCode, 1);
    assert.equal(task.statusMessage, 'failure 3 of 5');
    assert.equal((await t.jobs.execution(executionId)).execution.status, 'Error');
    assert.match(await logOf(taskId), /\[ERROR\] attempt 3 failed: failure 3 of 5\n$/);
  });

  it('answers 404 in the envelope for the log of a job that does not exist', async () => {
    for (const id of ['999999999', 'not-a-job']) {
      const response = await harbor.call('GET', `/jobservice/jobs/${id}/log`);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { errors: [{ code: 'NOT_FOUND', message: `job ${id} not found` }] });
    }
  });
});

describe('executions of several tasks', () => {
  const statuses = async (executionId: string) => (await t.jobs.execution(executionId)).tasks.map((task) => task.status);

  it('runs each task as its own job, with its own payload and attributes; the execution is Success once all are', async () => {
    const { executionId, taskIds } = await t.jobs.launch('TEST_FANOUT', { items: [{ ms: 0 }, { ms: 200 }, { ms: 0 }] });
    assert.equal(taskIds.length, 3);
    await waitUntil(async () => (await t.jobs.execution(executionId)).execution.status === 'Success', 'the execution succeeded');
    const { execution, tasks } = await t.jobs.execution(executionId);
    assert.deepEqual(tasks.map((task) => [task.id, task.status, task.runCount, task.extraAttrs]), [
      [taskIds[0], 'Success', 1, { item: 0, slept: 0 }],
      [taskIds[1], 'Success', 1, { item: 1, slept: 200 }],
      [taskIds[2], 'Success', 1, { item: 2, slept: 0 }],
    ]);
    assert.ok(execution.endTime && execution.endTime >= tasks[1]!.endTime!, 'the execution ended with its last task');
  });

  it('ends Success when its tasks end at the same moment, each in its own transaction', async () => {
    // Each task's end derives the execution's status from all its tasks; two ending together must not each
    // read the other still running (as a snapshot taken before the other committed would) and leave it Running.
    const launched = await Promise.all(Array.from({ length: 4 }, () => t.jobs.launch('TEST_FANOUT', { items: Array.from({ length: 8 }, () => ({ ms: 0 })) })));
    for (const { executionId } of launched) {
      await waitUntil(async () => (await statuses(executionId)).every((status) => status === 'Success'), 'every task succeeded', 30_000);
      const { execution } = await t.jobs.execution(executionId);
      assert.equal(execution.status, 'Success', `execution ${executionId}`);
      assert.ok(execution.endTime);
    }
  });

  it('is Running while any task runs, and Error when one failed though the others succeeded', async () => {
    const { executionId } = await t.jobs.launch('TEST_FANOUT', { items: [{ ms: 0, fail: true }, { ms: 1500 }] });
    await waitUntil(async () => (await statuses(executionId)).join() === 'Error,Running', 'one task failed, one runs');
    assert.equal((await t.jobs.execution(executionId)).execution.status, 'Running');
    await waitUntil(async () => (await t.jobs.execution(executionId)).execution.status === 'Error', 'the execution ended');
    assert.deepEqual(await statuses(executionId), ['Error', 'Success']);
  });

  it('stops every running and pending task of the execution within 5 s; the execution is Stopped', async () => {
    const { executionId } = await t.jobs.launch('TEST_FANOUT', { items: [{ ms: 0 }, { ms: 120_000 }, { ms: 120_000 }] });
    await waitUntil(async () => (await statuses(executionId)).join() === 'Success,Running,Running', 'two tasks run');
    const asked = Date.now();
    await t.jobs.stopExecution(executionId);
    await waitUntil(async () => (await t.jobs.execution(executionId)).execution.status === 'Stopped', 'the execution stopped', 5000);
    assert.ok(Date.now() - asked < 5000);
    assert.deepEqual(await statuses(executionId), ['Success', 'Stopped', 'Stopped']);
  });

  it('ends an execution with no task at once as Success, saying there was nothing to do', async () => {
    const { executionId, taskIds } = await t.jobs.launch('TEST_FANOUT', { items: [] });
    assert.deepEqual(taskIds, []);
    const { execution } = await t.jobs.execution(executionId);
    assert.equal(execution.status, 'Success');
    assert.equal(execution.statusMessage, 'nothing to do');
    assert.ok(execution.endTime);
  });

  it('creates every task when a schedule fires, and refuses to enqueue the type as a single task', async () => {
    await t.jobs.schedule('TEST_FANOUT', '* * * * * *', { items: [{ ms: 0 }, { ms: 0 }] });
    await waitUntil(async () => (await t.jobs.executions('TEST_FANOUT', 50)).some((e) => e.trigger === 'SCHEDULE' && e.status === 'Success'), 'a tick fired');
    await t.jobs.unschedule('TEST_FANOUT');
    const fired = (await t.jobs.executions('TEST_FANOUT', 50)).find((e) => e.trigger === 'SCHEDULE' && e.status === 'Success')!;
    assert.deepEqual(await statuses(fired.id), ['Success', 'Success']);
    await assert.rejects(t.jobs.enqueue('TEST_FANOUT', { items: [] }), /launch it/);
  });
});

describe('stop', () => {
  it('stops a running job within 5 s: PUT /jobservice/jobs/{id} → 200, task and execution Stopped', async () => {
    const { executionId, taskId } = await t.jobs.enqueue('TEST_SLEEP', { ms: 120_000 });
    await waitForStatus(taskId, 'Running');
    const asked = Date.now();
    const response = await harbor.call('PUT', `/jobservice/jobs/${taskId}`);
    assert.equal(response.status, 200);
    assert.equal(response.text, '');
    const task = await waitForStatus(taskId, 'Stopped', 5000);
    assert.ok(Date.now() - asked < 5000);
    assert.equal(task.runCount, 1, 'a stopped job is not retried');
    assert.equal((await t.jobs.execution(executionId)).execution.status, 'Stopped');
    assert.match(await logOf(taskId), /\[INFO\] stopped\n$/);
  });

  it('answers 404 for stopping a job that does not exist, and 200 for one already finished', async () => {
    const missing = await harbor.call('PUT', '/jobservice/jobs/999999999');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { errors: [{ code: 'NOT_FOUND', message: 'job 999999999 not found' }] });
    const { taskId } = await t.jobs.enqueue('TEST_SLEEP', { ms: 0 });
    await waitForStatus(taskId, 'Success');
    assert.equal((await harbor.call('PUT', `/jobservice/jobs/${taskId}`)).status, 200);
    assert.equal((await taskOf(taskId)).status, 'Success');
  });
});

describe('queues', () => {
  it('lists every job type and the scheduler, with pending count, latency and pause state', async () => {
    const response = await harbor.call('GET', '/jobservice/queues');
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body,
      ['GARBAGE_COLLECTION', 'PURGE_AUDIT_LOG', 'PURGE_EVENTS', 'PURGE_UPLOAD', 'RETENTION', 'TEST_FANOUT', 'TEST_FLAKY', 'TEST_SLEEP', 'TEST_TICK', 'SCHEDULER'].map((job_type) => ({ job_type, count: 0, latency: 0, paused: false })),
    );
  });

  it('pause keeps new jobs pending (other queues still run), resume runs them', async () => {
    assert.equal((await harbor.call('PUT', '/jobservice/queues/TEST_SLEEP', { body: { action: 'pause' } })).status, 200);
    const paused = await t.jobs.enqueue('TEST_SLEEP', { ms: 0 });
    const other = await t.jobs.enqueue('TEST_TICK', {});
    await waitForStatus(other.taskId, 'Success');
    assert.equal((await taskOf(paused.taskId)).status, 'Pending', 'the paused queue took nothing');
    const queues = (await harbor.call('GET', '/jobservice/queues')).body as { job_type: string; count: number; latency: number; paused: boolean }[];
    const queue = queues.find((q) => q.job_type === 'TEST_SLEEP')!;
    assert.deepEqual(queue, { job_type: 'TEST_SLEEP', count: 1, latency: queue.latency, paused: true });
    assert.ok(queue.latency >= 0 && queue.latency < 60);
    assert.equal((await harbor.call('PUT', '/jobservice/queues/TEST_SLEEP', { body: { action: 'resume' } })).status, 200);
    await waitForStatus(paused.taskId, 'Success');
  });

  it('stop ends the pending jobs of a queue as Stopped and they never run', async () => {
    await harbor.call('PUT', '/jobservice/queues/all', { body: { action: 'pause' } });
    const pending = [await t.jobs.enqueue('TEST_SLEEP', { ms: 0 }), await t.jobs.enqueue('TEST_SLEEP', { ms: 0 })];
    assert.equal((await harbor.call('PUT', '/jobservice/queues/TEST_SLEEP', { body: { action: 'stop' } })).status, 200);
    for (const { taskId, executionId } of pending) {
      assert.equal((await taskOf(taskId)).status, 'Stopped');
      assert.equal((await t.jobs.execution(executionId)).execution.status, 'Stopped');
    }
    await harbor.call('PUT', '/jobservice/queues/all', { body: { action: 'resume' } });
    const after = await t.jobs.enqueue('TEST_SLEEP', { ms: 0 });
    await waitForStatus(after.taskId, 'Success');
    for (const { taskId } of pending) assert.equal((await taskOf(taskId)).runCount, 0, 'a stopped pending job never ran');
    const queues = (await harbor.call('GET', '/jobservice/queues')).body as { paused: boolean }[];
    assert.ok(queues.every((q) => !q.paused));
  });

  it('answers 404 for an unknown queue and 422 for an action Harbor does not have', async () => {
    const unknown = await harbor.call('PUT', '/jobservice/queues/NOPE', { body: { action: 'pause' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { errors: [{ code: 'NOT_FOUND', message: 'job queue NOPE not found' }] });
    const bad = await harbor.call('PUT', '/jobservice/queues/TEST_SLEEP', { body: { action: 'explode' } });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body, { errors: [{ code: 'UNPROCESSABLE_ENTITY', message: 'action: should be one of stop, pause, resume' }] });
  });
});

describe('pools and workers', () => {
  it("lists this process's pool, and its workers with the job each runs", async () => {
    const pools = await harbor.call('GET', '/jobservice/pools');
    assert.equal(pools.status, 200);
    assert.equal(pools.body.length, 1);
    const [pool] = pools.body;
    assert.equal(pool.pid, process.pid);
    assert.equal(pool.concurrency, 10);
    assert.equal(pool.worker_pool_id, t.jobs.poolId);
    const { taskId } = await t.jobs.enqueue('TEST_SLEEP', { ms: 60_000 });
    await waitForStatus(taskId, 'Running');
    await waitUntil(async () => (await taskOf(taskId)).checkIn !== '', 'the job checked in');
    for (const poolId of ['all', pool.worker_pool_id]) {
      const workers = await harbor.call('GET', `/jobservice/pools/${poolId}/workers`);
      assert.equal(workers.status, 200);
      assert.equal(workers.body.length, 10);
      const busy = workers.body.filter((w: { job_id: string }) => w.job_id !== '');
      assert.equal(busy.length, 1);
      assert.equal(busy[0].job_name, 'TEST_SLEEP');
      assert.equal(busy[0].job_id, taskId);
      assert.equal(busy[0].pool_id, pool.worker_pool_id);
      assert.match(busy[0].check_in, /ms left$/);
      assert.ok(busy[0].start_at && busy[0].checkin_at);
    }
    await t.jobs.stopTask(taskId);
    await waitForStatus(taskId, 'Stopped', 5000);
    const missing = await harbor.call('GET', '/jobservice/pools/nope/workers');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { errors: [{ code: 'NOT_FOUND', message: 'worker pool nope not found' }] });
  });
});

describe('schedules', () => {
  it('lists the scheduled system jobs — upload purge (harbor.yml interval 24h → 0 0 0 * * *) and outbox pruning — with paging headers', async () => {
    const response = await harbor.call('GET', '/schedules?page=1&page_size=10');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-total-count'), '2');
    assert.deepEqual(
      response.body.map((schedule: Record<string, unknown>) => ({ ...schedule, id: 0, update_time: '' })).sort((a: { vendor_type: string }, b: { vendor_type: string }) => a.vendor_type.localeCompare(b.vendor_type)),
      ['PURGE_EVENTS', 'PURGE_UPLOAD'].map((vendor_type) => ({ id: 0, vendor_type, vendor_id: -1, cron: '0 0 0 * * *', update_time: '' })),
    );
  });

  it('fires a schedule once per tick with trigger SCHEDULE, each tick recorded', async () => {
    await t.jobs.schedule('TEST_TICK', '* * * * * *');
    await waitUntil(async () => (await t.jobs.executions('TEST_TICK', 50)).filter((e) => e.trigger === 'SCHEDULE' && e.status === 'Success').length >= 3, 'three ticks fired');
    await t.jobs.unschedule('TEST_TICK');
    const ticks = (await t.jobs.executions('TEST_TICK', 50)).filter((e) => e.trigger === 'SCHEDULE').map((e) => e.extraAttrs.tick as string);
    assert.equal(new Set(ticks).size, ticks.length, 'no tick fired twice');
    for (const tick of ticks) assert.match(tick, /:\d\d\.000Z$/, 'ticks fall on whole seconds');
  });

  it('pausing the SCHEDULER queue pauses every schedule, and /schedules/all/paused says so', async () => {
    assert.deepEqual((await harbor.call('GET', '/schedules/all/paused')).body, { paused: false });
    await harbor.call('PUT', '/jobservice/queues/SCHEDULER', { body: { action: 'pause' } });
    assert.deepEqual((await harbor.call('GET', '/schedules/all/paused')).body, { paused: true });
    await harbor.call('PUT', '/jobservice/queues/SCHEDULER', { body: { action: 'resume' } });
    assert.deepEqual((await harbor.call('GET', '/schedules/all/paused')).body, { paused: false });
    const other = await harbor.call('GET', '/schedules/GARBAGE_COLLECTION/paused');
    assert.equal(other.status, 400);
    assert.deepEqual(other.body, { errors: [{ code: 'BAD_REQUEST', message: 'job_type: only all is supported' }] });
  });

  it("refuses a cron that is not Harbor's 6 fields", async () => {
    await assert.rejects(t.jobs.schedule('TEST_TICK', '*/5 * * * *'), (error: Error & { code?: string }) => error.code === 'BAD_REQUEST' && /6 fields/.test(error.message));
  });
});

describe('access and health', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/jobservice/pools'],
    ['GET', '/jobservice/pools/all/workers'],
    ['PUT', '/jobservice/jobs/1'],
    ['GET', '/jobservice/jobs/1/log'],
    ['GET', '/jobservice/queues'],
    ['PUT', '/jobservice/queues/all', { action: 'pause' }],
    ['GET', '/schedules'],
    ['GET', '/schedules/all/paused'],
  ];

  it('answers 403 to users who are not system administrators, 401 to anonymous callers', async () => {
    for (const [method, path, body] of routes) {
      const forbidden = await harbor.call(method, path, { auth: USER, ...(body !== undefined && { body }) });
      assert.equal(forbidden.status, 403, `${method} ${path}`);
      assert.deepEqual(forbidden.body, { errors: [{ code: 'FORBIDDEN', message: 'only system administrators may do this' }] });
      const anonymous = await harbor.call(method, path, { auth: null, ...(body !== undefined && { body }) });
      assert.equal(anonymous.status, 401, `${method} ${path}`);
      assert.equal(anonymous.body.errors[0].code, 'UNAUTHORIZED');
    }
    assert.deepEqual((await harbor.call('GET', '/schedules/all/paused')).body, { paused: false }, 'the refused pause changed nothing');
  });

  it('reports the job service as the jobservice component of /health', async () => {
    const response = await harbor.call('GET', '/health', { auth: null });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.components.find((c: { name: string }) => c.name === 'jobservice'), { name: 'jobservice', status: 'healthy' });
  });
});

describe('upload purge as a scheduled job', () => {
  let purging: TestApp;
  before(async () => {
    purging = await startTestApp({ BERTH_UPLOAD_PURGING_AGE: '1s', BERTH_UPLOAD_PURGING_INTERVAL: '1s' });
  });
  after(async () => purging.close());

  it('purges an abandoned upload on its schedule, in a PURGE_UPLOAD execution whose log counts it', async () => {
    const start = await purging.client.request('POST', '/v2/library/stale/blobs/uploads/');
    assert.equal(start.status, 202);
    const location = start.headers.get('location')!;
    await (await purging.client.request('PATCH', location, { body: randomBytes(100) })).arrayBuffer();
    await waitUntil(async () => (await sql<{ n: string }>`SELECT count(*) AS n FROM upload`.execute(purging.db)).rows[0]!.n === '0', 'the upload was purged');
    assert.equal((await purging.client.request('GET', location)).status, 404);
    await waitUntil(async () => {
      for (const execution of await purging.jobs.executions('PURGE_UPLOAD', 20)) {
        const [task] = (await purging.jobs.execution(execution.id)).tasks;
        if (execution.trigger === 'SCHEDULE' && task?.status === 'Success' && (await purging.jobs.log(task.id)).some((l) => l.message === 'purged 1 abandoned uploads')) return true;
      }
      return false;
    }, 'a scheduled PURGE_UPLOAD execution logged the purge');
  });
});
