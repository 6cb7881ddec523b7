import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { imageOf, makeLayer, type Image, type Layer } from '../fixtures/image-builder.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';
import { GOLDEN_IMMUTABLE_RULES, GOLDEN_REPOSITORY, GOLDEN_RULES, goldenArtifacts, goldenExpected, NOW } from '../../src/retention/testdata/golden.ts';

/**
 * Retention runs on the real app: Harbor's executions API, one task per
 * repository, each deciding on the registry's artifacts and deleting
 * through content/, with Harbor's log table.
 */

let t: TestApp;
let harbor: HarborApi;
let layer: Layer;
const who = (name: string) => basic(`rr-${name}`, TEST_PASSWORD);
const developer = who('dev');
const guest = who('gus');
const outsider = who('otto');

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  for (const name of ['dev', 'gus', 'otto']) await harbor.createUser(`rr-${name}`);
  layer = await makeLayer(256, 'shared');
});
after(async () => t.close());

const withLayer = new Set<string>();

/** Pushes an artifact of the shared layer, told apart by `name`, under each tag (by digest when none). */
async function push(repository: string, name: string, tags: string[]): Promise<Image> {
  const image = imageOf([layer], { created: name });
  if (!withLayer.has(repository)) await t.client.pushBlob(repository, layer.layer);
  withLayer.add(repository);
  await t.client.pushBlob(repository, image.config);
  for (const reference of tags.length > 0 ? tags : [image.manifest.digest]) {
    const response = await t.client.pushManifest(repository, reference, image.manifest);
    assert.equal(response.status, 201, `push ${repository}:${reference}`);
  }
  return image;
}

async function projectWithRepositories(project: string, members: [string, number][] = []): Promise<number> {
  const id = await harbor.createProject(project);
  for (const [user, role] of members) await harbor.addMember(project, user, role);
  return id;
}

function policyBody(projectId: number, rules: unknown[], cron = '') {
  return { algorithm: 'or', rules, trigger: { kind: 'Schedule', references: {}, settings: { cron } }, scope: { level: 'project', ref: projectId } };
}

/** "retain the most recently pushed `k` artifacts", every repository, untagged ones included. */
function latestPushed(k: number) {
  return {
    disabled: false,
    action: 'retain',
    template: 'latestPushedK',
    params: { latestPushedK: k },
    tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":true}' }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
  };
}

async function createPolicy(projectId: number, rules: unknown[], cron = ''): Promise<string> {
  const created = await harbor.call('POST', '/retentions', { body: policyBody(projectId, rules, cron) });
  assert.equal(created.status, 201, created.text);
  return created.headers.get('location')!.split('/').pop()!;
}

async function trigger(policyId: string, dryRun: boolean, auth?: string): Promise<string> {
  const response = await harbor.call('POST', `/retentions/${policyId}/executions`, { auth, body: { dry_run: dryRun } });
  assert.equal(response.status, 201, response.text);
  const location = response.headers.get('location')!;
  assert.match(location, new RegExp(`^/api/v2\\.0/retentions/${policyId}/executions/\\d+$`));
  return location.split('/').pop()!;
}

interface Execution {
  id: number;
  policy_id: number;
  status: string;
  trigger: string;
  dry_run: boolean;
  start_time: string;
  end_time?: string;
}

interface Task {
  id: number;
  execution_id: number;
  repository: string;
  job_id: string;
  status: string;
  status_code: number;
  total: number;
  retained: number;
  start_time?: string;
  end_time?: string;
}

async function executions(policyId: string): Promise<Execution[]> {
  const response = await harbor.call('GET', `/retentions/${policyId}/executions?page_size=100`);
  assert.equal(response.status, 200, response.text);
  return response.body;
}

async function finished(policyId: string, executionId: string, timeoutMs = 180_000): Promise<Execution> {
  let found: Execution | undefined;
  await waitUntil(
    async () => {
      found = (await executions(policyId)).find((e) => String(e.id) === executionId);
      return found !== undefined && !['Pending', 'Running'].includes(found.status);
    },
    `retention execution ${executionId} ended`,
    timeoutMs,
  );
  return found!;
}

async function tasks(policyId: string, executionId: string): Promise<Task[]> {
  const response = await harbor.call('GET', `/retentions/${policyId}/executions/${executionId}/tasks?page_size=100`);
  assert.equal(response.status, 200, response.text);
  assert.equal(response.headers.get('x-total-count'), String(response.body.length));
  return response.body;
}

async function log(policyId: string, executionId: string, taskId: number): Promise<string> {
  const response = await harbor.call('GET', `/retentions/${policyId}/executions/${executionId}/tasks/${taskId}`);
  assert.equal(response.status, 200, response.text);
  assert.match(response.headers.get('content-type')!, /^text\/plain/);
  return response.text;
}

/** The log's table as [digest, tags, action] rows. */
function tableRows(text: string): [string, string, string][] {
  return text
    .split('\n')
    .filter((line) => /^\| sha256:/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map((cells) => [cells[1]!, cells[2]!, cells[8]!]);
}

async function manifestStatus(repository: string, reference: string): Promise<number> {
  const response = await t.client.request('HEAD', `/v2/${repository}/manifests/${reference}`);
  await response.arrayBuffer();
  return response.status;
}

describe('retention runs', () => {
  it('a dry run logs per repository exactly what the real run then deletes: the golden repository on a real registry', async () => {
    const projectId = await projectWithRepositories('golden');
    const repository = `golden/${GOLDEN_REPOSITORY}`;
    /** The repository's artifacts (their digests) and tags, as the registry serves them. */
    const contents = async () => {
      const found: string[] = [];
      for (let page = 1; ; page++) {
        const listed = await harbor.call('GET', `/projects/golden/repositories/${encodeURIComponent(encodeURIComponent(GOLDEN_REPOSITORY))}/artifacts?page=${page}&page_size=100&with_tag=false`);
        assert.equal(listed.status, 200, listed.text);
        found.push(...listed.body.map((a: { digest: string }) => a.digest));
        if (listed.body.length < 100) break;
      }
      const tags = (await (await t.client.request('GET', `/v2/${repository}/tags/list?n=1000`)).json()) as { tags: string[] };
      return { digests: found.sort(), tags: tags.tags.sort() };
    };
    const named = goldenArtifacts();
    const digests = new Map<string, string>();
    await t.client.pushBlob(repository, layer.layer);
    withLayer.add(repository);
    for (let i = 0; i < named.length; i += 10) {
      await Promise.all(named.slice(i, i + 10).map(async ({ name, artifact }) => digests.set(name, (await push(repository, name, artifact.tags.map((tag) => tag.name))).manifest.digest)));
    }
    // The golden times are days before NOW; here they are as long before the run (with ten minutes' margin, so
    // that edges, inclusive, stay inside while the run starts). Test set-up only: the app never writes times.
    const shift = Date.now() + 600_000 - NOW;
    const at = (ms: number | null) => (ms === null ? null : new Date(ms + shift).toISOString());
    const artifactTimes = named.map(({ name, artifact }) => sql`(${digests.get(name)!}, ${at(artifact.pushedAt)}::timestamptz, ${at(artifact.pulledAt)}::timestamptz)`);
    const tagTimes = named.flatMap(({ artifact }) => artifact.tags.map((tag) => sql`(${tag.name}, ${at(tag.pushedAt)}::timestamptz, ${at(tag.pulledAt)}::timestamptz)`));
    const repositoryId = sql`(SELECT id FROM repository WHERE name = ${repository})`;
    await sql`UPDATE artifact a SET pushed_at = v.pushed, pull_time = v.pulled FROM (VALUES ${sql.join(artifactTimes)}) AS v(digest, pushed, pulled) WHERE a.digest = v.digest AND a.repository_id = ${repositoryId}`.execute(t.db);
    await sql`UPDATE tag t SET updated_at = v.pushed, pull_time = v.pulled FROM (VALUES ${sql.join(tagTimes)}) AS v(name, pushed, pulled) WHERE t.name = v.name AND t.repository_id = ${repositoryId}`.execute(t.db);
    // A second repository, which R5 (always, other/**) keeps whole.
    await push('golden/other/app', 'other-1', ['v1']);
    await push('golden/other/app', 'other-2', []);
    for (const rule of GOLDEN_IMMUTABLE_RULES) {
      const created = await harbor.call('POST', '/projects/golden/immutabletagrules', {
        body: {
          disabled: rule.disabled,
          tag_selectors: [{ kind: 'doublestar', decoration: rule.tagDecoration, pattern: rule.tagPattern }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: rule.repositoryDecoration, pattern: rule.repositoryPattern }] },
        },
      });
      assert.equal(created.status, 201, created.text);
    }
    const policyId = await createPolicy(projectId, GOLDEN_RULES.map(({ id: _id, ...rule }) => rule));

    // What the table must say for each artifact (and each tag a per-tag rule deletes on its own).
    const expected = goldenExpected();
    const names = new Map([...digests].map(([name, digest]) => [digest, name]));
    const expectedRows = Object.entries(expected).flatMap(([name, fate]) => {
      const tags = Object.keys(fate.tags);
      return [
        [name, tags.join(','), fate.action],
        ...Object.entries(fate.tags)
          .filter(([, action]) => action !== 'RETAIN' && action !== fate.action)
          .map(([tag, action]) => [name, tag, action]),
      ];
    });
    const rowsByName = (rows: [string, string, string][]) => rows.map(([digest, tags, action]) => [names.get(digest)!, tags, action]);
    const sorted = (rows: string[][]) => rows.map((row) => row.join(' ')).sort();

    const dryId = await trigger(policyId, true);
    const dry = await finished(policyId, dryId);
    assert.deepEqual({ ...dry, start_time: '', end_time: '' }, { id: Number(dryId), policy_id: Number(policyId), status: 'Success', trigger: 'MANUAL', dry_run: true, start_time: '', end_time: '' });
    const dryTasks = await tasks(policyId, dryId);
    const deleted = Object.values(expected).filter((fate) => fate.action === 'DEL').length;
    assert.deepEqual(
      dryTasks.map((task) => [task.repository, task.status, task.status_code, task.total, task.retained, task.execution_id]),
      [
        ['other/app', 'Success', 3, 2, 2, Number(dryId)],
        [GOLDEN_REPOSITORY, 'Success', 3, 300, 300 - deleted, Number(dryId)],
      ],
    );
    for (const task of dryTasks) assert.ok(task.job_id !== '' && task.start_time && task.end_time, 'each task is its own job, with its times');
    const dryLog = await log(policyId, dryId, dryTasks[1]!.id);
    assert.match(dryLog, /\| Digest +\| Tag +\| Kind +\| Labels +\| PushedTime +\| PulledTime +\| CreatedTime +\| Retention \|/);
    assert.deepEqual(sorted(rowsByName(tableRows(dryLog))), sorted(expectedRows));
    assert.deepEqual(await contents(), { digests: [...digests.values()].sort(), tags: named.flatMap(({ artifact }) => artifact.tags.map((tag) => tag.name)).sort() }, 'the dry run deleted nothing');

    const realId = await trigger(policyId, false);
    const real = await finished(policyId, realId);
    assert.equal(real.status, 'Success');
    assert.equal(real.dry_run, false);
    const realTasks = await tasks(policyId, realId);
    assert.deepEqual(realTasks.map((task) => [task.repository, task.status, task.total, task.retained]), [
      ['other/app', 'Success', 2, 2],
      [GOLDEN_REPOSITORY, 'Success', 300, 300 - deleted],
    ]);
    const realLog = await log(policyId, realId, realTasks[1]!.id);
    assert.deepEqual(sorted(rowsByName(tableRows(realLog))), sorted(expectedRows), 'the real run did what the dry run said');

    const kept = Object.entries(expected).filter(([, fate]) => fate.action !== 'DEL');
    assert.deepEqual(await contents(), {
      digests: kept.map(([name]) => digests.get(name)!).sort(),
      tags: kept.flatMap(([, fate]) => Object.entries(fate.tags).filter(([, action]) => action !== 'DEL').map(([tag]) => tag)).sort(),
    });
    assert.equal(await manifestStatus('golden/other/app', 'v1'), 200);

    // Each deletion is the trigger user's, in the audit log (from the outbox, in the deleting transaction).
    await t.flushBuffered();
    const audit = await harbor.call('GET', `/projects/golden/logs?page_size=1&q=${encodeURIComponent('operation=delete,username=admin')}`);
    assert.equal(audit.status, 200);
    const deletedTags = Object.values(expected).flatMap((fate) => (fate.action === 'DEL' ? [] : Object.values(fate.tags).filter((action) => action === 'DEL'))).length;
    assert.equal(audit.headers.get('x-total-count'), String(deleted + deletedTags));

    // Newest first, with Harbor's paging headers.
    const page = await harbor.call('GET', `/retentions/${policyId}/executions?page=1&page_size=1`);
    assert.deepEqual(page.body.map((e: Execution) => e.id), [Number(realId)]);
    assert.equal(page.headers.get('x-total-count'), '2');
    assert.equal(page.headers.get('link'), `</api/v2.0/retentions/${policyId}/executions?page=2&page_size=1>; rel="next"`);
  });

  it('ends the task of a repository deleted while the run waited as Success, with nothing to do', async () => {
    const projectId = await projectWithRepositories('vanishing');
    await push('vanishing/gone', 'gone-1', ['v1']);
    await push('vanishing/stays', 'stays-1', ['v1']);
    await push('vanishing/stays', 'stays-2', ['v2']);
    const policyId = await createPolicy(projectId, [latestPushed(1)]);
    assert.equal((await harbor.call('PUT', '/jobservice/queues/RETENTION', { body: { action: 'pause' } })).status, 200);
    const executionId = await trigger(policyId, false);
    assert.equal((await harbor.call('DELETE', '/projects/vanishing/repositories/gone')).status, 200);
    assert.equal((await harbor.call('PUT', '/jobservice/queues/RETENTION', { body: { action: 'resume' } })).status, 200);
    assert.equal((await finished(policyId, executionId)).status, 'Success');
    const [gone, stays] = await tasks(policyId, executionId);
    assert.deepEqual([gone!.repository, gone!.status, gone!.total, gone!.retained], ['gone', 'Success', 0, 0]);
    assert.match(await log(policyId, executionId, gone!.id), /repository vanishing\/gone no longer exists: nothing to do/);
    assert.deepEqual([stays!.repository, stays!.status, stays!.total, stays!.retained], ['stays', 'Success', 2, 1]);
  });

  it('decides on the repository as it is when a task runs: two runs at once both succeed and delete each artifact once', async () => {
    const projectId = await projectWithRepositories('twice');
    for (const name of ['t1', 't2', 't3', 't4', 't5', 't6']) await push('twice/app', name, [name]);
    const policyId = await createPolicy(projectId, [latestPushed(1)]);
    const [first, second] = await Promise.all([trigger(policyId, false), trigger(policyId, false)]);
    for (const id of [first!, second!]) {
      assert.equal((await finished(policyId, id)).status, 'Success');
      const [task] = await tasks(policyId, id);
      assert.equal(task!.retained, 1);
      assert.doesNotMatch(await log(policyId, id, task!.id), /\| ERR /);
    }
    const left = (await (await t.client.request('GET', '/v2/twice/app/tags/list')).json()) as { tags: string[] };
    assert.equal(left.tags.length, 1);
    await t.flushBuffered();
    const audit = await harbor.call('GET', `/projects/twice/logs?page_size=1&q=${encodeURIComponent('operation=delete')}`);
    assert.equal(audit.headers.get('x-total-count'), '5', 'each artifact deleted once, by one of the runs');
  });

  it('ends a run of a project without repositories at once as Success', async () => {
    const projectId = await projectWithRepositories('hollow');
    const policyId = await createPolicy(projectId, [latestPushed(1)]);
    const executionId = await trigger(policyId, false);
    assert.equal((await finished(policyId, executionId)).status, 'Success');
    assert.deepEqual(await tasks(policyId, executionId), []);
  });

  it('stops a running execution within 5 s: PATCH {action: stop} → 200, its tasks and it Stopped', async () => {
    const projectId = await projectWithRepositories('stopper');
    for (const name of ['s1', 's2', 's3']) await push('stopper/app', name, [name]);
    const policyId = await createPolicy(projectId, [latestPushed(0)]);
    // Holds the repository's artifacts locked, so the run's first deletion waits: a run that is busy when stopped.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = t.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM artifact WHERE repository_id = (SELECT id FROM repository WHERE name = 'stopper/app') FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await holding;
    const executionId = await trigger(policyId, false);
    const [task] = await tasks(policyId, executionId);
    await waitUntil(async () => (await t.jobs.task(String(task!.id))).status === 'Running' && (await t.jobs.log(String(task!.id))).some((l) => /running retention policy/.test(l.message)), 'the run is deleting');
    const asked = Date.now();
    const stopped = await harbor.call('PATCH', `/retentions/${policyId}/executions/${executionId}`, { body: { action: 'stop' } });
    assert.equal(stopped.status, 200, stopped.text);
    const execution = await finished(policyId, executionId, 5000);
    assert.ok(Date.now() - asked < 5000);
    assert.equal(execution.status, 'Stopped');
    assert.equal((await tasks(policyId, executionId))[0]!.status, 'Stopped');
    release();
    await holder;
  });

  it('runs on its schedule (trigger SCHEDULE), set and removed with the policy in the same transaction', async () => {
    const projectId = await projectWithRepositories('scheduled');
    await push('scheduled/app', 'sc-1', ['v1']);
    await push('scheduled/app', 'sc-2', ['v2']);
    const policyId = await createPolicy(projectId, [latestPushed(1)], '0 0 0 * * *');
    const schedules = async () => ((await harbor.call('GET', '/schedules?page_size=100')).body as { vendor_type: string; vendor_id: number; cron: string }[]).filter((s) => s.vendor_type === 'RETENTION');
    assert.deepEqual(
      (await schedules()).map((s) => [s.vendor_id, s.cron]),
      [[Number(policyId), '0 0 0 * * *']],
    );
    // Harbor's API takes only crons at second 0; to see a tick now, the test makes the same schedule fire every second.
    await t.jobs.schedule('RETENTION', '* * * * * *', { policy_id: Number(policyId) }, Number(policyId));
    await waitUntil(async () => (await executions(policyId)).some((e) => e.trigger === 'SCHEDULE' && e.status === 'Success'), 'a scheduled run ended', 30_000);
    const scheduled = (await executions(policyId)).find((e) => e.trigger === 'SCHEDULE')!;
    assert.equal(scheduled.dry_run, false);
    const [task] = await tasks(policyId, String(scheduled.id));
    assert.deepEqual([task!.repository, task!.total, task!.retained], ['app', 2, 1]);
    // Pushed within the same second, the two tie; the engine breaks the tie by digest. One is gone.
    assert.deepEqual([await manifestStatus('scheduled/app', 'v1'), await manifestStatus('scheduled/app', 'v2')].sort(), [200, 404], 'the scheduled run deleted one artifact');

    const update = await harbor.call('PUT', `/retentions/${policyId}`, { body: policyBody(projectId, [latestPushed(1)], '') });
    assert.equal(update.status, 200, update.text);
    assert.deepEqual(await schedules(), [], 'an empty cron removes the schedule');
    await harbor.call('PUT', `/retentions/${policyId}`, { body: policyBody(projectId, [latestPushed(1)], '0 0 1 * * *') });
    assert.deepEqual((await schedules()).map((s) => s.cron), ['0 0 1 * * *']);
    assert.equal((await harbor.call('DELETE', `/retentions/${policyId}`)).status, 200);
    assert.deepEqual(await schedules(), [], 'deleting the policy removes its schedule');

    // Each change of the policy is the project's event, for the audit log.
    await t.flushBuffered();
    const audit = await harbor.call('GET', `/projects/scheduled/logs?page_size=10&q=${encodeURIComponent('operation=update')}`);
    assert.equal(audit.headers.get('x-total-count'), '4', 'created, updated twice, deleted');
  });
});

describe('retention runs: access and bad input', () => {
  let policyId: string;
  let executionId: string;
  let taskId: number;
  let otherPolicyId: string;
  let otherExecutionId: string;
  let otherTaskId: number;

  before(async () => {
    const projectId = await projectWithRepositories('guarded', [
      ['rr-dev', ROLE_IDS.developer],
      ['rr-gus', ROLE_IDS.guest],
    ]);
    await push('guarded/app', 'g-1', ['v1']);
    policyId = await createPolicy(projectId, [latestPushed(5)]);
    executionId = await trigger(policyId, true, developer);
    await finished(policyId, executionId);
    taskId = (await tasks(policyId, executionId))[0]!.id;
    const otherProject = await projectWithRepositories('unrelated');
    await push('unrelated/app', 'u-1', ['v1']);
    otherPolicyId = await createPolicy(otherProject, [latestPushed(5)]);
    otherExecutionId = await trigger(otherPolicyId, true);
    await finished(otherPolicyId, otherExecutionId);
    otherTaskId = (await tasks(otherPolicyId, otherExecutionId))[0]!.id;
  });

  it('lets developers run, list and read; refuses guests with 403 and hides the policy from non-members (404)', async () => {
    const routes = (): [string, string, unknown?][] => [
      ['POST', `/retentions/${policyId}/executions`, { dry_run: true }],
      ['GET', `/retentions/${policyId}/executions`],
      ['PATCH', `/retentions/${policyId}/executions/${executionId}`, { action: 'stop' }],
      ['GET', `/retentions/${policyId}/executions/${executionId}/tasks`],
      ['GET', `/retentions/${policyId}/executions/${executionId}/tasks/${taskId}`],
    ];
    for (const [method, path, body] of routes()) {
      const allowed = await harbor.call(method, path, { auth: developer, ...(body !== undefined && { body }) });
      assert.ok([200, 201].includes(allowed.status), `developer ${method} ${path}: ${allowed.status} ${allowed.text}`);
      const refused = await harbor.call(method, path, { auth: guest, ...(body !== undefined && { body }) });
      assert.equal(refused.status, 403, `guest ${method} ${path}`);
      assert.equal(refused.body.errors[0].code, 'FORBIDDEN');
      const hidden = await harbor.call(method, path, { auth: outsider, ...(body !== undefined && { body }) });
      assert.equal(hidden.status, 404, `outsider ${method} ${path}`);
      assert.deepEqual(hidden.body, { errors: [{ code: 'NOT_FOUND', message: `no such retention policy with id ${policyId}` }] });
      const anonymous = await harbor.call(method, path, { auth: null, ...(body !== undefined && { body }) });
      assert.equal(anonymous.status, 401, `anonymous ${method} ${path}`);
    }
  });

  it("answers 404 for an execution or task of another policy, as for one that does not exist", async () => {
    const cases: [string, string, unknown?][] = [
      ['PATCH', `/retentions/${policyId}/executions/${otherExecutionId}`, { action: 'stop' }],
      ['GET', `/retentions/${policyId}/executions/${otherExecutionId}/tasks`],
      ['GET', `/retentions/${policyId}/executions/${otherExecutionId}/tasks/${otherTaskId}`],
      ['GET', `/retentions/${policyId}/executions/999999999/tasks`],
    ];
    for (const [method, path, body] of cases) {
      const response = await harbor.call(method, path, { ...(body !== undefined && { body }) });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.match(response.body.errors[0].message, /^retention execution \d+ of policy \d+ not found$/);
    }
    const foreignTask = await harbor.call('GET', `/retentions/${policyId}/executions/${executionId}/tasks/${otherTaskId}`);
    assert.equal(foreignTask.status, 404);
    assert.deepEqual(foreignTask.body, { errors: [{ code: 'NOT_FOUND', message: `retention task ${otherTaskId} of execution ${executionId} not found` }] });
    assert.equal((await tasks(otherPolicyId, otherExecutionId)).length, 1, 'the other policy’s run is untouched');
  });

  it('refuses bad input with a 4xx in the Harbor envelope: unknown policy, malformed ids, an action other than stop', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/retentions/999999999/executions', { dry_run: true }, 404, 'no such retention policy with id 999999999'],
      ['GET', '/retentions/999999999/executions', undefined, 404, 'no such retention policy with id 999999999'],
      ['GET', '/retentions/abc/executions', undefined, 400, 'id must be a positive integer'],
      ['GET', `/retentions/${policyId}/executions/abc/tasks`, undefined, 400, 'eid must be a positive integer'],
      ['GET', `/retentions/${policyId}/executions/${executionId}/tasks/0`, undefined, 400, 'tid must be a positive integer'],
      ['PATCH', `/retentions/${policyId}/executions/${executionId}`, { action: 'pause' }, 400, "action should be 'stop'"],
      ['PATCH', `/retentions/${policyId}/executions/${executionId}`, {}, 400, 'action: Invalid input: expected string, received undefined'],
      ['POST', `/retentions/${policyId}/executions`, { dry_run: 'yes' }, 400, 'dry_run: Invalid input: expected boolean, received string'],
      ['GET', `/retentions/${policyId}/executions?page_size=1000`, undefined, 400, 'page_size must be at most 100'],
    ];
    for (const [method, path, body, status, message] of cases) {
      const response = await harbor.call(method, path, { ...(body !== undefined && { body }) });
      assert.equal(response.status, status, `${method} ${path}: ${response.text}`);
      assert.deepEqual(response.body, { errors: [{ code: status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', message }] }, `${method} ${path}`);
    }
  });
});
