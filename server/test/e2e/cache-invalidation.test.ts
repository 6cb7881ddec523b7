import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { hashPassword } from '../../src/auth/password.ts';
import { ChangeListener } from '../../src/events/change-listener.ts';

/**
 * Two `berth serve` processes on one database, each caching logins (a
 * minute) and settings: a change made through one must hold on the other at
 * once, not when the other's cache expires. "At once" is one second here.
 */

const AT_ONCE_MS = 1_000;

let a: BerthProcess;
let b: BerthProcess;
let sql: pg.Client;

before(async () => {
  a = await startBerth();
  b = await startBerth({ shareWith: a });
  sql = new pg.Client({ connectionString: a.databaseUrl });
  await sql.connect();
});
after(async () => {
  await sql?.end();
  await b?.destroy();
  await a?.destroy();
});

const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const ADMIN = basic('admin', TEST_ADMIN_PASSWORD);

async function api(berth: BerthProcess, method: string, path: string, body?: unknown, auth: string | null = ADMIN): Promise<{ status: number; body: any; location: string | null }> {
  const response = await fetch(`${berth.url}/api/v2.0${path}`, {
    method,
    headers: { ...(auth && { authorization: auth }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), location: response.headers.get('location') };
}

/** The status a registry client gets for these credentials at /v2/: 200 accepted, 401 refused. */
async function login(berth: BerthProcess, username: string, password: string): Promise<number> {
  const response = await fetch(`${berth.url}/v2/`, { headers: { authorization: basic(username, password) } });
  await response.arrayBuffer();
  return response.status;
}

async function createUser(username: string, password: string): Promise<string> {
  const created = await api(a, 'POST', '/users', { username, email: `${username}@example.com`, realname: username, password });
  assert.equal(created.status, 201);
  return created.location!.split('/').pop()!;
}

async function createRobot(name: string): Promise<{ id: number; name: string; secret: string }> {
  const created = await api(a, 'POST', '/robots', { name, level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] });
  assert.equal(created.status, 201);
  return created.body;
}

/** Waits until `berth` refuses the credentials, within AT_ONCE_MS of the change. */
async function refusedAtOnce(berth: BerthProcess, username: string, password: string, what: string): Promise<void> {
  await waitUntil(async () => (await login(berth, username, password)) === 401, what, AT_ONCE_MS);
}

async function listenerBackends(berth: BerthProcess): Promise<number[]> {
  const { rows } = await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [ChangeListener.applicationName(berth.pid())]);
  return rows.map((row) => row.pid);
}

describe('changes made through one replica hold on the other at once', () => {
  it('a password changed through one replica: the old password is refused by the other at once, the new one accepted', async () => {
    const id = await createUser('mover', 'Old-Password-1');
    assert.equal(await login(b, 'mover', 'Old-Password-1'), 200, 'the other replica has verified (and cached) the old password');
    assert.equal((await api(a, 'PUT', `/users/${id}/password`, { old_password: 'Old-Password-1', new_password: 'New-Password-2' }, basic('mover', 'Old-Password-1'))).status, 200);
    await refusedAtOnce(b, 'mover', 'Old-Password-1', 'the other replica refuses the old password');
    assert.equal(await login(b, 'mover', 'New-Password-2'), 200);
  });

  it('a user deleted through one replica is refused by the other at once', async () => {
    const id = await createUser('leaver', 'Leaver-Pass-1');
    assert.equal(await login(b, 'leaver', 'Leaver-Pass-1'), 200);
    assert.equal((await api(a, 'DELETE', `/users/${id}`)).status, 200);
    await refusedAtOnce(b, 'leaver', 'Leaver-Pass-1', 'the other replica refuses the deleted user');
  });

  it('a robot disabled through one replica is refused by the other at once, and one deleted too', async () => {
    const disabled = await createRobot('switched-off');
    const deleted = await createRobot('removed');
    assert.equal(await login(b, disabled.name, disabled.secret), 200);
    assert.equal(await login(b, deleted.name, deleted.secret), 200);
    assert.equal((await api(a, 'PUT', `/robots/${disabled.id}`, { disable: true, duration: -1 })).status, 200);
    await refusedAtOnce(b, disabled.name, disabled.secret, 'the other replica refuses the disabled robot');
    assert.equal((await api(a, 'DELETE', `/robots/${deleted.id}`)).status, 200);
    await refusedAtOnce(b, deleted.name, deleted.secret, 'the other replica refuses the deleted robot');
  });

  it('a setting changed through one replica is in effect on the other at once: self-registration and the robot token duration', async () => {
    assert.equal((await api(b, 'GET', '/systeminfo', undefined, null)).body.self_registration, false, 'the other replica has read (and cached) the settings');
    assert.equal((await api(a, 'PUT', '/configurations', { self_registration: true, robot_token_duration: 7 })).status, 200);
    await waitUntil(async () => (await api(b, 'GET', '/systeminfo', undefined, null)).body.self_registration === true, 'the other replica shows self-registration on', AT_ONCE_MS);
    // A sign-up is what the setting allows; a robot created without a duration gets the new default.
    assert.equal((await api(b, 'POST', '/users', { username: 'newcomer', email: 'newcomer@example.com', realname: 'N', password: 'Newcomer-Pass-1' }, null)).status, 201);
    const robot = await api(b, 'POST', '/robots', { name: 'default-duration', level: 'system', duration: 0, permissions: [{ kind: 'project', namespace: '*', access: [{ resource: 'repository', action: 'pull' }] }] });
    assert.equal(robot.status, 201);
    assert.equal((await api(b, 'GET', `/robots/${robot.body.id}`)).body.duration, 7);
  });

  it('after its listening connection is killed, a replica drops everything it cached, and hears changes again', async () => {
    const id = await createUser('survivor', 'Survivor-Pass-1');
    assert.equal(await login(b, 'survivor', 'Survivor-Pass-1'), 200);
    // A change whose announcement this replica never hears (as when made while its connection was down).
    await sql.query('UPDATE user_account SET password_hash = $1 WHERE id = $2', [await hashPassword('Survivor-Pass-2'), id]);
    const [killed] = await listenerBackends(b);
    assert.ok(killed, 'the replica listens on a connection named after its pid');
    await sql.query('SELECT pg_terminate_backend($1)', [killed]);
    await waitUntil(async () => (await listenerBackends(b)).some((pid) => pid !== killed), 'the replica listens again', 10_000);
    assert.equal(await login(b, 'survivor', 'Survivor-Pass-1'), 401, 'nothing cached before the connection dropped is served');
    assert.equal(await login(b, 'survivor', 'Survivor-Pass-2'), 200);
    assert.equal((await api(a, 'PUT', `/users/${id}/password`, { old_password: 'Survivor-Pass-2', new_password: 'Survivor-Pass-3' }, basic('survivor', 'Survivor-Pass-2'))).status, 200);
    await refusedAtOnce(b, 'survivor', 'Survivor-Pass-2', 'the replica refuses the old password after reconnecting');
  });
});
