import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { sql, type Transaction } from 'kysely';
import { createDatabase, type Db } from '../../src/db/database.ts';
import type { Database } from '../../src/db/schema.ts';
import { EventReader, type EventConsumer } from '../../src/events/event-reader.ts';
import type { BerthEvent, StoredEvent } from '../../src/events/events.ts';
import { appendEvent } from '../../src/events/outbox.ts';
import { createLogger } from '../../src/logger.ts';

const log = createLogger('warn');
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
      `delete artifact audit-me/app@${image.manifest.digest}`,
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

  it('audits each content change of either API once, under its project, and a refused change not at all', async () => {
    const projectId = String(await harbor.createProject('content-audit'));
    await harbor.createProject('content-copy');
    const image = await makeImage({ layerSizes: [8] });
    await t.client.pushImage('content-audit/app', 'v1', image);
    const digest = image.manifest.digest;
    const artifactPath = `/projects/content-audit/repositories/app/artifacts/${digest}`;
    assert.equal((await harbor.call('POST', `${artifactPath}/tags`, { body: { name: 'v2' } })).status, 201);
    assert.equal((await harbor.call('POST', `${artifactPath}/tags`, { body: { name: 'v2' } })).status, 409);
    assert.equal((await harbor.call('DELETE', `${artifactPath}/tags/v2`)).status, 200);
    assert.equal((await harbor.call('DELETE', `${artifactPath}/tags/v2`)).status, 404);
    assert.equal((await harbor.call('POST', `/projects/content-copy/repositories/app/artifacts?from=${encodeURIComponent('content-audit/app:v1')}`)).status, 201);
    const unknownBlob = await t.client.request('PUT', '/v2/content-audit/app/manifests/broken', {
      headers: { 'content-type': image.manifest.mediaType },
      body: image.manifest.bytes.toString('utf8').replaceAll(image.config.digest, `sha256:${'0'.repeat(64)}`),
    });
    assert.equal(unknownBlob.status, 400);
    assert.equal((await t.client.request('DELETE', '/v2/content-audit/app/manifests/v1')).status, 202);
    // A second image keeps the repository after the first artifact goes, so it is deleted as a repository.
    await t.client.pushImage('content-audit/app', 'other', await makeImage({ layerSizes: [8] }));
    assert.equal((await harbor.call('DELETE', artifactPath)).status, 200);
    assert.equal((await harbor.call('DELETE', '/projects/content-audit/repositories/app')).status, 200);

    await t.flushBuffered();
    const rows = await t.db.selectFrom('auditLog').select(['eventType', 'resourceType', 'resource', 'projectId', 'operationDescription']).where('resource', 'like', 'content-%').orderBy('id').execute();
    assert.deepEqual(
      rows.filter((row) => row.resource.startsWith('content-audit/')).map((row) => [row.eventType, row.resourceType, row.resource, row.projectId]),
      [
        ['create_artifact', 'artifact', 'content-audit/app:v1', projectId],
        ['create_artifact', 'tag', 'content-audit/app:v2', projectId],
        ['delete_artifact', 'tag', 'content-audit/app:v2', projectId],
        ['delete_artifact', 'tag', 'content-audit/app:v1', projectId],
        ['create_artifact', 'artifact', 'content-audit/app:other', projectId],
        ['delete_artifact', 'artifact', `content-audit/app@${digest}`, projectId],
        ['delete_repository', 'repository', 'content-audit/app', projectId],
      ],
    );
    assert.deepEqual(
      rows.filter((row) => row.resource.startsWith('content-copy/')).map((row) => [row.eventType, row.resource, row.operationDescription]),
      [['create_artifact', `content-copy/app@${digest}`, 'copied from content-audit/app:v1'], ['create_artifact', 'content-copy/app:v1', 'copied from content-audit/app:v1']],
    );
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
    const pulls = t.pulls;
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
