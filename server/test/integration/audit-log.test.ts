import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { PullRecorder } from '../../src/registry/pull-recorder.ts';
import { createLogger } from '../../src/logger.ts';

let t: TestApp;
let harbor: HarborApi;
const NEW_PASSWORD = 'Changed-Passw0rd-9';

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
});
after(async () => t.close());

describe('the audit log', () => {
  it('records pushes, pulls, deletes and changes to projects, members and users, and never a secret', async () => {
    const userId = await harbor.createUser('audited');
    const projectId = await harbor.createProject('audit-me');
    const memberId = await harbor.addMember(projectId, 'audited', 2);
    await harbor.call('PUT', `/projects/${projectId}/members/${memberId}`, { body: { role_id: 3 } });
    await harbor.call('PUT', `/users/${userId}/password`, { body: { new_password: NEW_PASSWORD } });
    const image = await makeImage({ layerSizes: [8] });
    await t.client.pushImage('audit-me/app', 'v1', image);
    const pulled = await t.client.request('GET', '/v2/audit-me/app/manifests/v1');
    assert.equal(pulled.status, 200);
    await pulled.arrayBuffer();
    const deleted = await t.client.request('DELETE', `/v2/audit-me/app/manifests/${image.manifest.digest}`);
    assert.equal(deleted.status, 202);
    await harbor.call('DELETE', `/projects/${projectId}/members/${memberId}`);

    // Pulls are written off the request path, within a second; the test writes them now.
    await t.flushBuffered();
    const response = await harbor.call('GET', '/auditlog-exts?page_size=100');
    const events = response.body.map((e: { resource_type: string; operation: string; resource: string }) => `${e.operation} ${e.resource_type} ${e.resource}`);
    for (const expected of [
      'create user audited',
      'create project audit-me',
      'create member audited',
      'update member audited',
      'update user audited',
      'create artifact audit-me/app:v1',
      `pull artifact audit-me/app@${image.manifest.digest}`,
      `delete artifact audit-me/app:${image.manifest.digest}`,
      'delete member audited',
    ]) {
      assert.ok(events.includes(expected), `${expected} in ${JSON.stringify(events)}`);
    }
    await t.flushBuffered();
    const everything = JSON.stringify(await t.db.selectFrom('auditLog').selectAll().execute());
    for (const secret of [TEST_PASSWORD, NEW_PASSWORD]) assert.ok(!everything.includes(secret), 'no password in the audit log');
  });

  it('filters, sorts and pages like Harbor, per project and globally', async () => {
    const page = await harbor.call('GET', '/auditlog-exts?q=operation%3Dcreate,resource_type%3Dproject&page=1&page_size=1');
    assert.equal(page.body.length, 1);
    assert.equal(page.body[0].resource, 'audit-me');
    assert.equal(page.headers.get('x-total-count'), '1');
    const legacy = await harbor.call('GET', '/audit-logs?q=username%3Dadmin&sort=op_time&page_size=2');
    assert.equal(legacy.body.length, 2);
    assert.ok(legacy.body[0].op_time <= legacy.body[1].op_time);
    assert.equal((await harbor.call('GET', '/auditlog-exts?q=password%3D~x')).status, 400);
    assert.equal((await harbor.call('GET', '/auditlog-exts?sort=1%3BSELECT')).status, 400);
    const project = await harbor.call('GET', '/projects/audit-me/auditlog-exts?page_size=100');
    assert.ok(project.body.length >= 6);
    assert.ok(project.body.every((e: { resource: string }) => e.resource.startsWith('audit-me') || e.resource === 'audited'));
    const events = await harbor.call('GET', '/auditlog-exts/events');
    assert.ok(events.body.some((e: { event_type: string }) => e.event_type === 'pull_artifact'));
  });

  it("filters by Harbor's op_time range, whole days as its portal sends them, globally and per project", async () => {
    const q = (range: string) => `q=${encodeURIComponent(`op_time=${range}`)}&page_size=100`;
    const all = (await harbor.call('GET', '/auditlog-exts?page_size=100')).body as { id: number; op_time: string }[];
    const fmt = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');
    const oldest = new Date(Math.min(...all.map((e) => Date.parse(e.op_time))));
    const newest = new Date(Math.max(...all.map((e) => Date.parse(e.op_time))));
    const around = `[${fmt(new Date(oldest.getTime() - 60_000))}~${fmt(new Date(newest.getTime() + 60_000))}]`;
    assert.equal((await harbor.call('GET', `/auditlog-exts?${q(around)}`)).body.length, all.length);
    // Either end may be left open; a range ending before the first event has nothing.
    assert.equal((await harbor.call('GET', `/auditlog-exts?${q(`[${fmt(new Date(oldest.getTime() - 60_000))}~]`)}`)).body.length, all.length);
    const before = await harbor.call('GET', `/auditlog-exts?${q(`[~${fmt(new Date(oldest.getTime() - 60_000))}]`)}`);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body, []);
    assert.equal((await harbor.call('GET', `/auditlog-exts?${q('[2000-01-01 00:00:00~2000-01-02 00:00:00]')}`)).headers.get('x-total-count'), '0');
    // The project listing takes the same filter, combined with others.
    const project = await harbor.call('GET', `/projects/audit-me/auditlog-exts?q=${encodeURIComponent(`op_time=${around},resource_type=member`)}`);
    assert.equal(project.status, 200);
    assert.ok(project.body.length >= 3);
    assert.ok(project.body.every((e: { resource_type: string }) => e.resource_type === 'member'));
    assert.equal((await harbor.call('GET', `/projects/audit-me/auditlog-exts?${q('[2000-01-01 00:00:00~2000-01-02 00:00:00]')}`)).body.length, 0);
    assert.equal((await harbor.call('GET', `/auditlog-exts?${q('[yesterday~today]')}`)).status, 400);
  });

  it('leaves out the event types named in disabled_audit_log_event_types, and records them again once re-enabled', async () => {
    const disable = async (types: string) => assert.equal((await harbor.call('PUT', '/configurations', { body: { disabled_audit_log_event_types: types } })).status, 200);
    const count = async (eventType: string, resource: string) => {
      await t.flushBuffered();
      return Number((await t.db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).where('eventType', '=', eventType).where('resource', '=', resource).executeTakeFirstOrThrow()).n);
    };
    await disable('create_project, pull_artifact');
    await harbor.createProject('unrecorded');
    const image = await makeImage({ layerSizes: [8] });
    await t.client.pushImage('unrecorded/app', 'v1', image);
    const pulled = await t.client.request('GET', '/v2/unrecorded/app/manifests/v1');
    await pulled.arrayBuffer();
    // Pulls are written off the pull path, and every event is audited by the outbox's reader: count() waits for both.
    assert.equal(await count('create_project', 'unrecorded'), 0);
    assert.equal(await count('pull_artifact', `unrecorded/app@${image.manifest.digest}`), 0);
    assert.equal(await count('create_artifact', 'unrecorded/app:v1'), 1, 'other types are still recorded');
    await disable('');
    await harbor.createProject('recorded-again');
    assert.equal(await count('create_project', 'recorded-again'), 1);
  });

  it('writes a burst of batched pulls in one flush, each audited under its project', async () => {
    const projectId = String(await harbor.createProject('burst'));
    const pulls = new PullRecorder(t.db, t.settings, createLogger('warn'));
    // 9 000 rows of 7 or 9 parameters are more than one PostgreSQL statement may bind.
    for (let i = 0; i < 9_000; i++) pulls.record('burst/app', `sha256:${i}`, undefined, 'admin');
    pulls.record('gone/app', 'sha256:0', undefined, 'admin');
    await pulls.flush();
    await t.flushBuffered();
    const rows = await t.db.selectFrom('auditLog').select(['projectId', (eb) => eb.fn.countAll<string>().as('n')]).where((eb) => eb.or([eb('resource', 'like', 'burst/%'), eb('resource', 'like', 'gone/%')])).groupBy('projectId').execute();
    assert.deepEqual(rows.map((r) => [r.projectId, Number(r.n)]).sort(), [[null, 1], [projectId, 9_000]].sort());
  });

  it('shows non-admins only the events of projects they administer', async () => {
    await harbor.createUser('auditor');
    const auditor = basic('auditor', TEST_PASSWORD);
    assert.deepEqual((await harbor.call('GET', '/auditlog-exts', { auth: auditor })).body, []);
    await harbor.createProject('auditors-own', { auth: auditor });
    await t.flushBuffered();
    const own = await harbor.call('GET', '/auditlog-exts', { auth: auditor });
    assert.deepEqual(own.body.map((e: { resource: string }) => e.resource), ['auditors-own']);
    assert.equal((await harbor.call('GET', '/projects/audit-me/auditlog-exts', { auth: auditor })).status, 404);
    assert.equal((await harbor.call('GET', '/auditlog-exts', { auth: null })).status, 401);
  });
});
