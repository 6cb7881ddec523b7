import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';
import { basic, HarborApi } from '../fixtures/harbor-api.ts';

let t: TestApp;
let harbor: HarborApi;

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  for (const name of ['alpha', 'beta']) await t.client.createProject(name);
  await t.client.pushImage('alpha/app', 'base', await makeImage());
});
after(async () => t.close());

const api = (method: string, path: string, options: { auth?: string | null; body?: unknown } = {}) => harbor.call(method, path, options);

type Access = { resource: string; action: string; effect?: string };
const PULL: Access = { resource: 'repository', action: 'pull' };
const PUSH: Access = { resource: 'repository', action: 'push' };

function projectRobot(project: string, name: string, access: Access[], extra: Record<string, unknown> = {}) {
  return { name, level: 'project', duration: -1, permissions: [{ kind: 'project', namespace: project, access }], ...extra };
}

interface Created {
  id: number;
  name: string;
  secret: string;
  auth: string;
}

async function createRobot(body: unknown, auth: string = ADMIN_AUTH): Promise<Created> {
  const response = await api('POST', '/robots', { auth, body });
  assert.equal(response.status, 201, response.text);
  assert.equal(response.headers.get('location'), `/api/v2.0/robots/${response.body.id}`);
  return { id: response.body.id, name: response.body.name, secret: response.body.secret, auth: basic(response.body.name, response.body.secret) };
}

async function createUser(username: string): Promise<string> {
  const created = await api('POST', '/users', { body: { username, email: `${username}@example.com`, realname: username, password: 'Passw0rd-1' } });
  assert.equal(created.status, 201);
  return basic(username, 'Passw0rd-1');
}

async function projectId(name: string): Promise<number> {
  return (await api('GET', `/projects/${name}`)).body.project_id;
}

async function tagsStatus(repository: string, auth: string): Promise<number> {
  const response = await fetch(`${t.url}/v2/${repository}/tags/list`, { headers: { authorization: auth } });
  await response.arrayBuffer();
  return response.status;
}

async function startUpload(repository: string, auth: string): Promise<{ status: number; code?: string }> {
  const response = await new RegistryClient(t.url, auth).request('POST', `/v2/${repository}/blobs/uploads/`);
  const text = await response.text();
  return { status: response.status, code: text ? (JSON.parse(text) as { errors: { code: string }[] }).errors?.[0]?.code : undefined };
}

describe('robot accounts', () => {
  it('creates a project robot whose secret is shown once; it pushes and pulls in its project and nowhere else', async () => {
    const robot = await createRobot(projectRobot('alpha', 'ci', [PULL, PUSH]));
    assert.equal(robot.name, 'robot_alpha+ci');
    assert.ok(robot.secret.length >= 8 && /[A-Z]/.test(robot.secret) && /[a-z]/.test(robot.secret) && /\d/.test(robot.secret));

    const client = new RegistryClient(t.url, robot.auth);
    const image = await makeImage();
    await client.pushImage('alpha/app', 'v1', image);
    const pulled = await client.request('GET', '/v2/alpha/app/manifests/v1');
    assert.equal(pulled.status, 200);
    assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), image.manifest.bytes);
    assert.deepEqual(await startUpload('beta/app', robot.auth), { status: 403, code: 'DENIED' });
    assert.equal(await tagsStatus('beta/app', robot.auth), 403);

    const shown = await api('GET', `/robots/${robot.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.name, 'robot_alpha+ci');
    assert.equal(shown.body.level, 'project');
    assert.equal(shown.body.expires_at, -1);
    assert.deepEqual(shown.body.permissions, [{ kind: 'project', namespace: 'alpha', access: [{ ...PULL, effect: 'allow' }, { ...PUSH, effect: 'allow' }] }]);
    assert.equal(shown.body.secret, undefined);
    assert.ok(!shown.text.includes(robot.secret));
  });

  it('lets robots use the token service, which grants only the access they hold', async () => {
    const robot = await createRobot(projectRobot('alpha', 'puller', [PULL]));
    const response = await fetch(`${t.url}/service/token?service=harbor-registry&scope=repository:alpha/app:pull,push&scope=repository:beta/app:pull`, {
      headers: { authorization: robot.auth },
    });
    assert.equal(response.status, 200);
    const { token } = (await response.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; access: { name: string; actions: string[] }[] };
    assert.equal(claims.sub, 'robot_alpha+puller');
    assert.deepEqual(
      claims.access.map((entry) => [entry.name, entry.actions]),
      [
        ['alpha/app', ['pull']],
        ['beta/app', []],
      ],
    );
    assert.equal(await tagsStatus('alpha/app', `Bearer ${token}`), 200);
    const wrong = await fetch(`${t.url}/service/token?service=harbor-registry&scope=repository:alpha/app:pull`, { headers: { authorization: basic(robot.name, 'Wrong-secret-1') } });
    assert.equal(wrong.status, 401);
  });

  it('keeps robots out of operations only people perform', async () => {
    const robot = await createRobot(projectRobot('alpha', 'no-profile', [PULL]));
    assert.equal((await api('GET', '/users/current', { auth: robot.auth })).status, 403);
  });

  it('names system robots prefix+name and project robots prefix+project+name, and refuses duplicates with 409', async () => {
    const system = await createRobot({ name: 'ops', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] });
    assert.equal(system.name, 'robot_ops');
    assert.equal((await api('POST', '/robots', { body: { name: 'ops', level: 'system', permissions: [{ kind: 'project', namespace: 'beta', access: [PULL] }] } })).status, 409);
    await createRobot(projectRobot('beta', 'ops', [PULL]));
    assert.equal((await api('POST', '/robots', { body: projectRobot('beta', 'ops', [PULL]) })).status, 409);
  });

  it('expires robots after robot_token_duration days unless told otherwise', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await api('POST', '/robots', { body: { name: 'default-life', level: 'project', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] } });
    assert.equal(response.status, 201);
    const expected = before + 30 * 86_400;
    assert.ok(Math.abs(response.body.expires_at - expected) < 60, `expires_at ${response.body.expires_at} ≈ ${expected}`);
    assert.equal((await api('GET', `/robots/${response.body.id}`)).body.duration, 30);
  });

  it('refreshes secrets: a chosen one must meet the policy, a random one is returned, and the old one stops working at once', async () => {
    const robot = await createRobot(projectRobot('alpha', 'rotating', [PULL]));
    assert.equal(await tagsStatus('alpha/app', robot.auth), 200);
    const weak = await api('PATCH', `/robots/${robot.id}`, { body: { secret: 'weak' } });
    assert.equal(weak.status, 400);
    assert.match(weak.body.errors[0].message, /secret must be 8 to 128/);

    const chosen = await api('PATCH', `/robots/${robot.id}`, { body: { secret: 'Chosen-Secret-1' } });
    assert.deepEqual([chosen.status, chosen.body], [200, { secret: 'Chosen-Secret-1' }]);
    assert.equal(await tagsStatus('alpha/app', robot.auth), 401);
    assert.equal(await tagsStatus('alpha/app', basic(robot.name, 'Chosen-Secret-1')), 200);

    const random = await api('PATCH', `/robots/${robot.id}`, { body: {} });
    assert.equal(random.status, 200);
    assert.notEqual(random.body.secret, 'Chosen-Secret-1');
    assert.equal(await tagsStatus('alpha/app', basic(robot.name, 'Chosen-Secret-1')), 401);
    assert.equal(await tagsStatus('alpha/app', basic(robot.name, random.body.secret)), 200);
  });

  it('locks a robot out at once when it is disabled, expires or is deleted', async () => {
    const robot = await createRobot(projectRobot('alpha', 'lockout', [PULL]));
    assert.equal(await tagsStatus('alpha/app', robot.auth), 200);
    assert.equal((await api('PUT', `/robots/${robot.id}`, { body: { disable: true } })).status, 200);
    assert.equal(await tagsStatus('alpha/app', robot.auth), 401);
    assert.equal((await api('GET', '/projects/alpha', { auth: robot.auth })).status, 401);
    assert.equal((await api('GET', `/robots/${robot.id}`)).body.disable, true);
    assert.equal((await api('PUT', `/robots/${robot.id}`, { body: { disable: false } })).status, 200);
    assert.equal(await tagsStatus('alpha/app', robot.auth), 200);

    // Time passing, without waiting for it: the robot's expiry moves into the past.
    await t.db.updateTable('robot').set({ expiresAt: new Date(Date.now() - 1000) }).where('id', '=', String(robot.id)).execute();
    const fresh = await api('PATCH', `/robots/${robot.id}`, { body: { secret: 'Another-Secret-2' } });
    assert.equal(fresh.status, 200);
    assert.equal(await tagsStatus('alpha/app', basic(robot.name, 'Another-Secret-2')), 401, 'an expired robot cannot log in');

    assert.equal((await api('DELETE', `/robots/${robot.id}`)).status, 200);
    assert.equal((await api('GET', `/robots/${robot.id}`)).status, 404);
    assert.equal((await api('DELETE', `/robots/${robot.id}`)).status, 404);
  });

  it('refuses a robot at the moment it expires, though its login was verified and remembered just before', async () => {
    const robot = await createRobot(projectRobot('alpha', 'expiring', [PULL]));
    // Time passing, without waiting days for it: the robot expires in 1.5 s, before its first login.
    const expiry = new Date(Date.now() + 1500);
    await t.db.updateTable('robot').set({ expiresAt: expiry }).where('id', '=', String(robot.id)).execute();
    assert.equal(await tagsStatus('alpha/app', robot.auth), 200);
    await new Promise((resolve) => setTimeout(resolve, expiry.getTime() - Date.now() + 50));
    assert.equal(await tagsStatus('alpha/app', robot.auth), 401, 'the remembered verification ends with the robot');
  });

  it('changes description, duration and permissions with PUT, but never the name, level or secret', async () => {
    const robot = await createRobot(projectRobot('alpha', 'editable', [PULL], { description: 'first' }));
    const shown = (await api('GET', `/robots/${robot.id}`)).body;
    const updated = await api('PUT', `/robots/${robot.id}`, {
      body: { ...shown, description: 'second', duration: 2, permissions: [{ kind: 'project', namespace: 'alpha', access: [{ resource: 'repository', action: '*' }] }] },
    });
    assert.equal(updated.status, 200, updated.text);
    const after = (await api('GET', `/robots/${robot.id}`)).body;
    assert.equal(after.description, 'second');
    assert.equal(after.duration, 2);
    assert.equal(after.expires_at, Math.floor(Date.parse(shown.creation_time) / 1000) + 2 * 86_400, 'a new duration counts from creation');
    assert.deepEqual(after.permissions[0].access.map((a: Access) => a.action).sort(), ['create', 'delete', 'list', 'pull', 'push', 'read', 'update']);
    assert.equal((await startUpload('alpha/app', robot.auth)).status, 202);

    for (const [body, field] of [
      [{ name: 'robot_alpha+renamed' }, 'name'],
      [{ level: 'system' }, 'level'],
      [{ secret: 'Sneaky-Secret-1' }, 'secret'],
      [{ permissions: [{ kind: 'project', namespace: 'beta', access: [PULL] }] }, 'permissions.0.namespace'],
      [{ permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }, { kind: 'project', namespace: 'beta', access: [PULL] }] }, 'permissions'],
    ] as const) {
      const refused = await api('PUT', `/robots/${robot.id}`, { body });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(refused.body.errors[0].message, new RegExp(`^${field.replaceAll('.', '\\.')}:`));
    }
  });

  it('validates robot input with a 400 naming the field', async () => {
    const ok = projectRobot('alpha', 'valid', [PULL]);
    const permission = (access: Access[]) => [{ kind: 'project', namespace: 'alpha', access }];
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, name: 'Bad Name' }, 'name'],
      [{ ...ok, name: '' }, 'name'],
      [{ ...ok, level: 'global' }, 'level'],
      [{ ...ok, duration: -2 }, 'duration'],
      [{ ...ok, duration: 1.5 }, 'duration'],
      [{ ...ok, permissions: [] }, 'permissions'],
      [{ ...ok, permissions: permission([{ resource: 'repository', action: 'fly' }]) }, 'permissions.0.access.0.action'],
      [{ ...ok, permissions: permission([{ resource: 'spaceship', action: 'read' }]) }, 'permissions.0.access.0.resource'],
      [{ ...ok, permissions: permission([{ resource: 'self', action: 'delete' }]) }, 'permissions.0.access.0.resource'],
      [{ ...ok, permissions: permission([{ ...PULL, effect: 'deny' }]) }, 'permissions.0.access.0.effect'],
      [{ ...ok, permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'create' }] }] }, 'permissions'],
      [{ ...ok, level: 'system', permissions: [{ kind: 'system', namespace: 'alpha', access: [{ resource: 'project', action: 'create' }] }] }, 'permissions.0.namespace'],
      [{ ...ok, level: 'system', permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'repository', action: 'pull' }] }] }, 'permissions.0.access.0.resource'],
      [{ ...ok, level: 'system', permissions: [...permission([PULL]), ...permission([PUSH])] }, 'permissions.1.namespace'],
      [{ ...ok, secret: 'alllowercase1' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await api('POST', '/robots', { body });
      assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.text}`);
      const message: string = response.body.errors[0].message;
      assert.ok(message.startsWith(`${field}:`) || message.includes(` ${field} `), `${JSON.stringify(body)}: ${message}`);
    }
    assert.equal((await api('POST', '/robots', { body: projectRobot('no-such-project', 'x', [PULL]) })).status, 404);
  });

  it('lets project admins manage their own project’s robots only, and hides robots of private projects they cannot see', async () => {
    const alice = await createUser('alice');
    assert.equal((await api('POST', '/projects', { auth: alice, body: { project_name: 'wonderland' } })).status, 201);
    const own = await createRobot(projectRobot('wonderland', 'rabbit', [PULL, PUSH]), alice);
    assert.equal(own.name, 'robot_wonderland+rabbit');
    assert.equal((await api('PATCH', `/robots/${own.id}`, { auth: alice, body: {} })).status, 200);

    assert.equal((await api('POST', '/robots', { auth: alice, body: projectRobot('beta', 'intruder', [PULL]) })).status, 404);
    assert.equal((await api('POST', '/robots', { auth: alice, body: { name: 'root', level: 'system', permissions: [{ kind: 'project', namespace: 'wonderland', access: [PULL] }] } })).status, 403);

    const hidden = await createRobot(projectRobot('beta', 'hidden', [PULL]));
    for (const [method, body] of [['GET'], ['PUT', { description: 'x' }], ['PATCH', {}], ['DELETE']] as const) {
      const response = await api(method, `/robots/${hidden.id}`, { auth: alice, ...(body && { body }) });
      assert.equal(response.status, 404, method);
      assert.doesNotMatch(response.text, /beta/);
    }

    assert.equal((await api('GET', '/robots', { auth: alice })).status, 403);
    const listed = await api('GET', `/robots?q=ProjectID%3D${await projectId('wonderland')}`, { auth: alice });
    assert.deepEqual(listed.body.map((robot: { name: string }) => robot.name), ['robot_wonderland+rabbit']);
    assert.equal((await api('GET', `/robots?q=ProjectID%3D${await projectId('beta')}`, { auth: alice })).status, 404);
    assert.equal((await api('GET', '/robots', { auth: null })).status, 401);
    assert.equal((await api('GET', `/robots/${own.id}`, { auth: null })).status, 401);
  });

  it('lets maintainers see their project’s robots but not create, change or delete them', async () => {
    const bob = await createUser('bob');
    const project = await projectId('alpha');
    // Memberships have no API yet: the maintainer role is given directly.
    const bobId = (await t.db.selectFrom('userAccount').select('id').where('username', '=', 'bob').executeTakeFirstOrThrow()).id;
    await t.db.insertInto('projectMember').values({ projectId: String(project), entityType: 'u', userId: bobId, groupId: null, role: 4 }).execute();
    const robot = await createRobot(projectRobot('alpha', 'maintained', [PULL]));
    assert.equal((await api('GET', `/robots/${robot.id}`, { auth: bob })).status, 200);
    assert.ok((await api('GET', `/robots?q=ProjectID%3D${project}`, { auth: bob })).body.some((r: { id: number }) => r.id === robot.id));
    assert.equal((await api('POST', '/robots', { auth: bob, body: projectRobot('alpha', 'bobs', [PULL]) })).status, 403);
    assert.equal((await api('PATCH', `/robots/${robot.id}`, { auth: bob, body: {} })).status, 403);
    assert.equal((await api('PUT', `/robots/${robot.id}`, { auth: bob, body: { disable: true } })).status, 403);
    assert.equal((await api('DELETE', `/robots/${robot.id}`, { auth: bob })).status, 403);
  });

  it('never lets a robot grant, or take over a robot holding, more than it holds itself', async () => {
    const manage = ['create', 'read', 'update', 'list'].map((action) => ({ resource: 'robot', action }));
    const manager = await createRobot(projectRobot('alpha', 'manager', [...manage, PULL]));
    const minion = await createRobot(projectRobot('alpha', 'minion', [PULL]), manager.auth);
    assert.equal((await api('GET', `/robots/${minion.id}`)).body.creator_type, 'robot');
    assert.equal((await api('GET', `/robots/${minion.id}`)).body.creator_ref, manager.id);
    const escalation = await api('POST', '/robots', { auth: manager.auth, body: projectRobot('alpha', 'pusher2', [PULL, PUSH]) });
    assert.equal(escalation.status, 403);
    assert.match(escalation.body.errors[0].message, /repository:push/);

    const pusher = await createRobot(projectRobot('alpha', 'pusher', [PULL, PUSH]));
    assert.equal((await api('PATCH', `/robots/${pusher.id}`, { auth: manager.auth, body: {} })).status, 403, 'taking over a stronger robot by resetting its secret');
    assert.equal((await api('PUT', `/robots/${pusher.id}`, { auth: manager.auth, body: { description: 'mine now' } })).status, 403);
    assert.equal((await api('PUT', `/robots/${minion.id}`, { auth: manager.auth, body: { permissions: [{ kind: 'project', namespace: 'alpha', access: [PUSH] }] } })).status, 403);
    assert.equal((await api('PATCH', `/robots/${minion.id}`, { auth: manager.auth, body: {} })).status, 200);
    assert.equal((await api('POST', '/robots', { auth: manager.auth, body: { name: 'sys', level: 'system', permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] } })).status, 403);
  });

  it('lets a system robot granted * reach every project, including ones created after it', async () => {
    const robot = await createRobot({
      name: 'mirror',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'project', namespace: '*', access: [PULL] },
        { kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'create' }] },
      ],
    });
    assert.equal((await api('POST', '/projects', { auth: robot.auth, body: { project_name: 'made-by-robot' } })).status, 201);
    await t.client.createProject('gamma');
    await t.client.pushImage('gamma/app', 'v1', await makeImage());
    assert.equal(await tagsStatus('gamma/app', robot.auth), 200);
    assert.equal((await startUpload('gamma/app', robot.auth)).status, 403);
    const visible = (await api('GET', '/projects?page_size=100', { auth: robot.auth })).body.map((p: { name: string }) => p.name);
    assert.ok(visible.includes('gamma') && visible.includes('beta'), visible.join());
    assert.equal((await api('GET', '/robots', { auth: robot.auth })).status, 403, 'no robot:list at system level');
  });

  it('lets a system robot granted robot management manage system robots, within what it holds', async () => {
    const admin = await createRobot({
      name: 'robot-admin',
      level: 'system',
      duration: -1,
      permissions: [
        { kind: 'system', namespace: '/', access: ['create', 'read', 'list', 'delete'].map((action) => ({ resource: 'robot', action })) },
        { kind: 'project', namespace: 'beta', access: [PULL] },
      ],
    });
    const made = await createRobot({ name: 'made', level: 'system', permissions: [{ kind: 'project', namespace: 'beta', access: [PULL] }] }, admin.auth);
    assert.equal((await api('GET', `/robots/${made.id}`, { auth: admin.auth })).status, 200);
    assert.ok(Number((await api('GET', '/robots', { auth: admin.auth })).headers.get('x-total-count')) > 1);
    assert.equal((await api('POST', '/robots', { auth: admin.auth, body: { name: 'wide', level: 'system', permissions: [{ kind: 'project', namespace: '*', access: [PULL] }] } })).status, 403);
    assert.equal((await api('POST', '/robots', { auth: admin.auth, body: { name: 'creator', level: 'system', permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'project', action: 'create' }] }] } })).status, 403);
    assert.equal((await api('PATCH', `/robots/${made.id}`, { auth: admin.auth, body: {} })).status, 403, 'no robot:update');
    assert.equal((await api('DELETE', `/robots/${made.id}`, { auth: admin.auth })).status, 200);
  });

  it('lets a system robot list users and read the audit log only when granted those system permissions', async () => {
    const auditor = await createRobot({
      name: 'auditor',
      level: 'system',
      duration: -1,
      permissions: [{ kind: 'system', namespace: '/', access: [{ resource: 'user', action: 'list' }, { resource: 'audit-log', action: 'list' }] }],
    });
    const users = await api('GET', '/users?page_size=100', { auth: auditor.auth });
    assert.equal(users.status, 200);
    assert.ok(users.body.some((u: { username: string }) => u.username === 'admin'));
    assert.equal((await api('GET', '/auditlog-exts', { auth: auditor.auth })).status, 200);
    assert.equal((await api('GET', '/audit-logs', { auth: auditor.auth })).status, 200);
    assert.equal((await api('POST', '/users', { auth: auditor.auth, body: { username: 'by-robot', email: 'r@example.com', password: 'Passw0rd-1' } })).status, 403);
    const plain = await createRobot({ name: 'no-rights', level: 'system', duration: -1, permissions: [{ kind: 'project', namespace: 'alpha', access: [PULL] }] });
    assert.equal((await api('GET', '/users', { auth: plain.auth })).status, 403);
    assert.equal((await api('GET', '/auditlog-exts', { auth: plain.auth })).status, 403);
  });

  it('lists robots with q, sort and paging, and never lets secrets be filtered or sorted', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) await createRobot(projectRobot('beta', name, [PULL]));
    const page = await api('GET', '/robots?q=name%3D~list-&sort=-name&page=1&page_size=2');
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.map((r: { name: string }) => r.name), ['robot_beta+list-c', 'robot_beta+list-b']);
    assert.equal(page.headers.get('x-total-count'), '3');
    assert.match(page.headers.get('link') ?? '', /rel="next"/);
    const portal = await api('GET', `/robots?q=Level%3Dproject%2CProjectID%3D${await projectId('beta')}&page_size=100`);
    assert.ok(portal.body.length >= 3 && portal.body.every((r: { level: string; permissions: { namespace: string }[] }) => r.level === 'project' && r.permissions[0]!.namespace === 'beta'));
    const system = await api('GET', '/robots?q=level%3Dsystem&page_size=100');
    assert.ok(system.body.length > 0 && system.body.every((r: { level: string }) => r.level === 'system'));
    for (const query of ['q=secret%3Dx', 'q=secret_hash%3D~a', 'sort=secret_hash', 'sort=secret']) assert.equal((await api('GET', `/robots?${query}`)).status, 400, query);
  });

  it('records robot changes in the audit log, never with secrets', async () => {
    const robot = await createRobot(projectRobot('alpha', 'audited', [PULL], { secret: 'Audited-Secret-1' }));
    await api('PUT', `/robots/${robot.id}`, { body: { description: 'changed' } });
    const refreshed = (await api('PATCH', `/robots/${robot.id}`, { body: {} })).body.secret as string;
    await api('DELETE', `/robots/${robot.id}`);
    await t.flushBuffered();
    const events = await t.db.selectFrom('auditLog').selectAll().where('resource', '=', robot.name).orderBy('id').execute();
    assert.deepEqual(
      events.map((event) => [event.eventType, event.username, event.projectId]),
      [
        ['create_robot', 'admin', String(await projectId('alpha'))],
        ['update_robot', 'admin', String(await projectId('alpha'))],
        ['update_robot', 'admin', String(await projectId('alpha'))],
        ['delete_robot', 'admin', String(await projectId('alpha'))],
      ],
    );
    await t.flushBuffered();
    const everything = JSON.stringify(await t.db.selectFrom('auditLog').selectAll().execute());
    assert.ok(!everything.includes('Audited-Secret-1') && !everything.includes(refreshed));
  });

  it('deletes a project’s robots with the project', async () => {
    await t.client.createProject('doomed');
    const robot = await createRobot(projectRobot('doomed', 'goner', [PULL]));
    assert.equal((await api('DELETE', '/projects/doomed')).status, 200);
    assert.equal((await api('GET', `/robots/${robot.id}`)).status, 404);
    assert.equal((await api('GET', '/projects', { auth: robot.auth })).status, 401);
  });

  it('describes grantable permissions: both levels to system administrators, the project level to other users', async () => {
    const forAdmin = await api('GET', '/permissions');
    assert.equal(forAdmin.status, 200);
    assert.ok(forAdmin.body.system.some((p: Access) => p.resource === 'robot' && p.action === 'create'));
    assert.ok(forAdmin.body.project.some((p: Access) => p.resource === 'repository' && p.action === 'push'));
    assert.ok(!forAdmin.body.project.some((p: Access) => p.resource === 'self'));
    const forUser = await api('GET', '/permissions', { auth: await createUser('carol') });
    assert.deepEqual([forUser.status, forUser.body.system], [200, []]);
    assert.deepEqual(forUser.body.project, forAdmin.body.project);
    assert.equal((await api('GET', '/permissions', { auth: null })).status, 401);
  });
});
