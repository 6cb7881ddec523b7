import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, type Db } from '../../src/db/database.ts';
import { JobService } from '../../src/jobs/jobs.service.ts';
import { JobsStore, type TaskRow } from '../../src/jobs/jobs.store.ts';
import { createLogger } from '../../src/logger.ts';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { TEST_JOBS_MODULE, TEST_SLEEP } from '../fixtures/test-jobs.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * Two `berth serve` processes on one database, both running the test job
 * types (loaded through jobs.modules). This process only enqueues, through a
 * JobService without workers that knows TEST_SLEEP alone, so it never fires
 * the TEST_TICK schedule itself.
 */
describe('the job service across two Berth processes', () => {
  let a: BerthProcess;
  let b: BerthProcess;
  let db: Db;
  let jobs: JobService;
  const store = new JobsStore();

  before(async () => {
    a = await startBerth({ env: { BERTH_JOBS_MODULES: TEST_JOBS_MODULE, BERTH_JOBS_WORKERS: '4' } });
    b = await startBerth({ shareWith: a });
    db = createDatabase(a.databaseUrl, 4);
    jobs = new JobService({ db, store, log: createLogger('warn'), databaseUrl: a.databaseUrl, config: { workers: 0, heartbeatMs: 10_000 } });
    jobs.register(TEST_SLEEP);
    await jobs.start();
  });
  after(async () => {
    await jobs.stop();
    await db.destroy();
    await b.destroy();
    await a.destroy();
  });

  const task = async (taskId: string): Promise<TaskRow> => (await store.task(db, taskId))!;
  const processRunning = async (taskId: string): Promise<BerthProcess> => {
    const poolId = (await task(taskId)).workerPoolId;
    const pool = (await db.selectFrom('jobWorkerPool').selectAll().where('id', '=', poolId!).executeTakeFirstOrThrow());
    return [a, b].find((p) => p.pid() === pool.pid)!;
  };

  it('fires schedules exactly once per tick: every second of the run once, none twice', async () => {
    // Ten schedules due together keep both processes' passes busy at the same moments, where a tick claimed twice would show.
    const vendorIds = Array.from({ length: 10 }, (_, i) => i + 1);
    const first = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
    for (const vendorId of vendorIds) await store.putSchedule(db, { vendorType: 'TEST_TICK', vendorId, cron: '* * * * * *', payload: {}, nextFireAt: first });
    const fired = async () => (await store.executionsOf(db, 'TEST_TICK', 1000)).filter((e) => e.trigger === 'SCHEDULE');
    const succeededFor = async (vendorId: number) => (await fired()).filter((e) => Number(e.vendorId) === vendorId && e.status === 'Success').length;
    await waitUntil(async () => (await Promise.all(vendorIds.map(succeededFor))).every((n) => n >= 6), 'six ticks of every schedule ran', 60_000);
    for (const vendorId of vendorIds) await store.deleteSchedule(db, 'TEST_TICK', vendorId);
    const executions = await fired();
    for (const vendorId of vendorIds) {
      const ticks = executions.filter((e) => Number(e.vendorId) === vendorId).map((e) => Date.parse(e.extraAttrs.tick as string)).sort((x, y) => x - y);
      assert.equal(new Set(ticks).size, ticks.length, `no tick of schedule ${vendorId} fired twice`);
      assert.deepEqual(ticks, ticks.map((_, i) => first.getTime() + i * 1000), `no tick of schedule ${vendorId} was skipped`);
    }
  });

  it('lists both processes as worker pools on either process', async () => {
    for (const p of [a, b]) {
      const pools = await new HarborApi(p.url).call('GET', '/jobservice/pools');
      assert.equal(pools.status, 200);
      assert.deepEqual(pools.body.map((pool: { pid: number }) => pool.pid).sort(), [a.pid(), b.pid()].sort());
    }
  });

  it('finishes a job on another process (or the restarted one) after the process running it is killed', async () => {
    const { taskId, executionId } = await jobs.enqueue('TEST_SLEEP', { ms: 3000 });
    await waitUntil(async () => (await task(taskId)).status === 'Running', 'the job runs', 15_000);
    const victim = await processRunning(taskId);
    const killedPool = (await task(taskId)).workerPoolId;
    await victim.kill();
    // The killed process's heartbeat lapses (10 s) and a supervise pass (every 10 s) hands the job back.
    await waitUntil(async () => (await task(taskId)).status === 'Success', 'the job finished elsewhere', 60_000);
    const finished = await task(taskId);
    assert.equal(finished.runCount, 2);
    assert.notEqual(finished.workerPoolId, killedPool);
    assert.equal((await store.execution(db, executionId))!.status, 'Success');
    await victim.restart();
  });

  it('stops a job running on one process through the API of the other within 5 s', async () => {
    const { taskId } = await jobs.enqueue('TEST_SLEEP', { ms: 120_000 });
    await waitUntil(async () => (await task(taskId)).status === 'Running', 'the job runs', 15_000);
    const runner = await processRunning(taskId);
    const other = runner === a ? b : a;
    const asked = Date.now();
    const response = await new HarborApi(other.url).call('PUT', `/jobservice/jobs/${taskId}`);
    assert.equal(response.status, 200);
    await waitUntil(async () => (await task(taskId)).status === 'Stopped', 'the job stopped', 5000);
    assert.ok(Date.now() - asked < 5000);
    assert.equal((await task(taskId)).runCount, 1);
  });

  it('exits at once on SIGTERM while running a job, which another process then finishes', async () => {
    const { taskId } = await jobs.enqueue('TEST_SLEEP', { ms: 3000 });
    await waitUntil(async () => (await task(taskId)).status === 'Running', 'the job runs', 15_000);
    const runner = await processRunning(taskId);
    const asked = Date.now();
    assert.equal(await runner.stop(), 0, runner.output());
    assert.ok(Date.now() - asked < 10_000, `exited ${Date.now() - asked} ms after SIGTERM`);
    assert.doesNotMatch(runner.output(), /terminating connection|uncaught|fatal/i);
    await waitUntil(async () => (await task(taskId)).status === 'Success', 'the job finished on the other process', 30_000);
    assert.equal((await task(taskId)).runCount, 2);
    await runner.restart();
  });

});
