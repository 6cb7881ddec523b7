import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';

/**
 * Walks Harbor's permission table: for every role, an outsider and an
 * anonymous caller, every registry action and every project-scoped API route
 * of the access-control step is allowed or refused exactly as Harbor's
 * documented matrix says. The expectations below are written out by hand from
 * that matrix (not computed from Berth's own table), so a wrong entry in
 * rbac.ts fails here.
 */

type Who = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest' | 'outsider' | 'anonymous';
const MEMBERS = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'] as const;
const ROLE_ID: Record<(typeof MEMBERS)[number], number> = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 };
const EVERYONE: readonly Who[] = [...MEMBERS, 'outsider', 'anonymous'];

const ALL_ROLES = MEMBERS;
const ADMIN = ['projectAdmin'] as const;
const ADMIN_MAINTAINER = ['projectAdmin', 'maintainer'] as const;
const WRITERS = ['projectAdmin', 'maintainer', 'developer'] as const;
const NOT_LIMITED = ['projectAdmin', 'maintainer', 'developer', 'guest'] as const;

let t: TestApp;
let harbor: HarborApi;
let projectId: number;
let doomedProjectId: number;
let spareMember: number;
let leavingMember: number;
let foreignMember: number;
let manifestDigest: string;
const deletable: Partial<Record<Who, string>> = {};
const image = makeImage({ layerSizes: [16] });

function auth(who: Who): string | null {
  return who === 'anonymous' ? null : basic(`walk-${who}`, TEST_PASSWORD);
}

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  projectId = await harbor.createProject('walk');
  doomedProjectId = await harbor.createProject('walk-doomed');
  for (const who of [...MEMBERS, 'outsider', 'spare', 'leaver', 'newcomer'] as const) await harbor.createUser(`walk-${who}`);
  for (const role of MEMBERS) {
    await harbor.addMember(projectId, `walk-${role}`, ROLE_ID[role]);
    await harbor.addMember(doomedProjectId, `walk-${role}`, ROLE_ID[role]);
  }
  spareMember = await harbor.addMember(projectId, 'walk-spare', 3);
  leavingMember = await harbor.addMember(projectId, 'walk-leaver', 3);
  await harbor.call('POST', `/projects/${projectId}/metadatas/`, { body: { auto_scan: 'false', reuse_sys_cve_allowlist: 'true' } });
  const pushed = await image;
  manifestDigest = pushed.manifest.digest;
  await t.client.pushImage('walk/app', 'v1', pushed);
  for (const who of ADMIN_MAINTAINER) {
    const own = await makeImage({ layerSizes: [16] });
    await t.client.pushImage('walk/app', `doomed-${who}`, own);
    deletable[who] = own.manifest.digest;
  }
  const other = await harbor.createProject('walk-other');
  foreignMember = await harbor.addMember(other, 'walk-outsider', 2);
});
after(async () => t.close());

/**
 * What a refused caller gets: anonymous callers and outsiders of a private
 * project a 404 that does not tell it from a missing one (docs/api-compatibility.md,
 * "Invisible is missing"), members lacking the permission a 403 — each in
 * Harbor's error envelope with its code. Routes outside /projects/{id} that
 * need a signed-in caller (robots, artifacts, permissions) answer anonymous
 * callers 401 before looking at the project.
 */
function assertRefused(who: Who, status: number, body: unknown, what: string, signedInOnly = false): void {
  const expected = who === 'anonymous' && signedInOnly ? [401, 'UNAUTHORIZED'] : who === 'anonymous' || who === 'outsider' ? [404, 'NOT_FOUND'] : [403, 'FORBIDDEN'];
  assert.deepEqual([status, (body as { errors?: { code: string }[] } | undefined)?.errors?.[0]?.code], expected, `${what} as ${who} must be refused: ${status} ${JSON.stringify(body)}`);
}

/**
 * What an allowed caller gets: the operation's documented success status
 * (Harbor's swagger, copied here so the test stands alone; HarborApi checks
 * the body against the operation's schema) and, where it says something, the
 * body itself. A 500 is never "allowed".
 */
interface Success {
  status: number;
  body?: (body: any, headers: Headers) => void;
}

interface ApiCase {
  name: string;
  allowed: readonly Who[];
  success: Success;
  signedInOnly?: true;
  call: (who: Who) => Promise<{ status: number; body: unknown; headers: Headers }>;
}

const p = () => `/projects/${projectId}`;
const created = (kind: string): Success['body'] => (_body, headers) => assert.match(headers.get('location') ?? '', new RegExp(`/${kind}/\\d+$`));
const listOf = (check?: (items: any[]) => void): Success['body'] => (body) => {
  assert.ok(Array.isArray(body), JSON.stringify(body));
  check?.(body);
};
const API_CASES: ApiCase[] = [
  { name: 'GET project', allowed: ALL_ROLES, success: { status: 200, body: (b) => assert.deepEqual([b.project_id, b.name], [projectId, 'walk']) }, call: (who) => harbor.call('GET', p(), { auth: auth(who) }) },
  {
    name: 'GET project by name',
    allowed: ALL_ROLES,
    success: { status: 200, body: (b) => assert.deepEqual([b.project_id, b.name], [projectId, 'walk']) },
    call: (who) => harbor.call('GET', '/projects/walk', { auth: auth(who), headers: { 'X-Is-Resource-Name': 'true' } }),
  },
  { name: 'GET summary', allowed: ALL_ROLES, success: { status: 200, body: (b) => assert.equal(b.repo_count, 1) }, call: (who) => harbor.call('GET', `${p()}/summary`, { auth: auth(who) }) },
  { name: 'PUT project', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('PUT', p(), { auth: auth(who), body: { metadata: { auto_scan: 'false' } } }) },
  { name: 'GET _deletable', allowed: ADMIN, success: { status: 200, body: (b) => assert.equal(b.deletable, false) }, call: (who) => harbor.call('GET', `${p()}/_deletable`, { auth: auth(who) }) },
  // An empty project with the same members, so the one allowed caller's delete really deletes.
  { name: 'DELETE project', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('DELETE', `/projects/${doomedProjectId}`, { auth: auth(who) }) },
  { name: 'GET metadatas', allowed: ADMIN_MAINTAINER, success: { status: 200, body: (b) => assert.equal(b.auto_scan, 'false') }, call: (who) => harbor.call('GET', `${p()}/metadatas/`, { auth: auth(who) }) },
  { name: 'GET one metadata', allowed: ADMIN_MAINTAINER, success: { status: 200, body: (b) => assert.deepEqual(b, { auto_scan: 'false' }) }, call: (who) => harbor.call('GET', `${p()}/metadatas/auto_scan`, { auth: auth(who) }) },
  { name: 'POST metadatas', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('POST', `${p()}/metadatas/`, { auth: auth(who), body: { auto_scan: 'false' } }) },
  { name: 'PUT metadata', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('PUT', `${p()}/metadatas/auto_scan`, { auth: auth(who), body: { auto_scan: 'false' } }) },
  { name: 'DELETE metadata', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('DELETE', `${p()}/metadatas/reuse_sys_cve_allowlist`, { auth: auth(who) }) },
  {
    name: 'GET members',
    allowed: NOT_LIMITED,
    success: { status: 200, body: listOf((members) => assert.ok(members.some((m) => m.entity_name === 'walk-spare'), JSON.stringify(members))) },
    call: (who) => harbor.call('GET', `${p()}/members`, { auth: auth(who) }),
  },
  { name: 'GET member', allowed: NOT_LIMITED, success: { status: 200, body: (b) => assert.deepEqual([b.id, b.entity_name], [spareMember, 'walk-spare']) }, call: (who) => harbor.call('GET', `${p()}/members/${spareMember}`, { auth: auth(who) }) },
  {
    name: 'POST member',
    allowed: ADMIN,
    success: { status: 201, body: created('members') },
    call: (who) => harbor.call('POST', `${p()}/members`, { auth: auth(who), body: { role_id: 3, member_user: { username: 'walk-newcomer' } } }),
  },
  { name: 'PUT member', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('PUT', `${p()}/members/${spareMember}`, { auth: auth(who), body: { role_id: 3 } }) },
  { name: 'DELETE member', allowed: ADMIN, success: { status: 200 }, call: (who) => harbor.call('DELETE', `${p()}/members/${leavingMember}`, { auth: auth(who) }) },
  { name: 'GET project logs', allowed: ADMIN, success: { status: 200, body: listOf() }, call: (who) => harbor.call('GET', '/projects/walk/logs', { auth: auth(who) }) },
  { name: 'GET project auditlog-exts', allowed: ADMIN, success: { status: 200, body: listOf() }, call: (who) => harbor.call('GET', '/projects/walk/auditlog-exts', { auth: auth(who) }) },
  { name: 'GET project robots', allowed: NOT_LIMITED, signedInOnly: true, success: { status: 200, body: listOf() }, call: (who) => harbor.call('GET', `/robots?q=ProjectID%3D${projectId}`, { auth: auth(who) }) },
  {
    name: 'POST project robot',
    allowed: ADMIN,
    signedInOnly: true,
    success: {
      status: 201,
      body: (b) => {
        assert.match(b.name, /^robot.walk\+walk-projectadmin$/);
        assert.equal(typeof b.secret, 'string');
      },
    },
    call: (who) =>
      harbor.call('POST', '/robots', {
        auth: auth(who),
        body: { name: `walk-${who.toLowerCase()}`, level: 'project', duration: 1, permissions: [{ kind: 'project', namespace: 'walk', access: [{ resource: 'repository', action: 'pull' }] }] },
      }),
  },
  {
    name: 'GET project artifacts',
    allowed: ALL_ROLES,
    signedInOnly: true,
    success: { status: 200, body: listOf((artifacts) => assert.ok(artifacts.some((a) => a.digest === manifestDigest), JSON.stringify(artifacts))) },
    call: (who) => harbor.call('GET', `${p()}/artifacts`, { auth: auth(who) }),
  },
  {
    name: 'GET own permissions in project',
    allowed: ALL_ROLES,
    signedInOnly: true,
    success: { status: 200, body: listOf((permissions) => assert.ok(permissions.some((x) => x.resource === 'repository' && x.action === 'pull'), JSON.stringify(permissions))) },
    call: (who) => harbor.call('GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`, { auth: auth(who) }),
  },
];

async function registry(who: Who, method: string, path: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const headers: Record<string, string> = {};
  const value = auth(who);
  if (value) headers.authorization = value;
  const response = await fetch(`${t.url}/v2/walk/app/${path}`, { method, headers });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/**
 * A refusal on /v2: 401 UNAUTHORIZED with a challenge for anonymous callers,
 * 403 DENIED for signed-in callers lacking the action (outsiders included:
 * the answer is the same whether the repository exists or not).
 */
function assertRegistryRefused(who: Who, response: { status: number; body: Buffer; headers: Headers }, what: string): void {
  const code = response.body.length > 0 ? (JSON.parse(response.body.toString()) as { errors: { code: string }[] }).errors[0]?.code : undefined;
  const expected = who === 'anonymous' ? [401, 'UNAUTHORIZED'] : [403, 'DENIED'];
  assert.deepEqual([response.status, code], expected, `${what} as ${who} must be refused: ${response.status} ${response.body}`);
  if (response.status === 401) assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm=|^Bearer realm=/);
}

const REGISTRY_CASES: { name: string; allowed: readonly Who[]; success: (response: { status: number; body: Buffer; headers: Headers }, who: Who) => void; call: (who: Who) => ReturnType<typeof registry> }[] = [
  {
    name: 'pull a manifest',
    allowed: ALL_ROLES,
    success: (r) => {
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('docker-content-digest'), manifestDigest);
    },
    call: (who) => registry(who, 'GET', 'manifests/v1'),
  },
  {
    name: 'list tags',
    allowed: ALL_ROLES,
    success: (r) => {
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body.toString()).tags.filter((tag: string) => tag === 'v1'), ['v1']);
    },
    call: (who) => registry(who, 'GET', 'tags/list'),
  },
  {
    name: 'start a push',
    allowed: WRITERS,
    success: (r) => {
      assert.equal(r.status, 202);
      assert.match(r.headers.get('location') ?? '', /\/v2\/walk\/app\/blobs\/uploads\//);
    },
    call: (who) => registry(who, 'POST', 'blobs/uploads/'),
  },
  // Each allowed caller deletes a manifest of its own; refused callers try the project admin's.
  {
    name: 'delete a manifest',
    allowed: ADMIN_MAINTAINER,
    success: (r) => assert.equal(r.status, 202),
    call: (who) => registry(who, 'DELETE', `manifests/${deletable[who] ?? deletable.projectAdmin}`),
  },
];

/** Refused callers first, so an allowed call that changes something (a delete) cannot hide a refusal after it. */
const inOrder = <T extends string>(everyone: readonly T[], allowed: readonly T[]): T[] => [...everyone.filter((who) => !allowed.includes(who)), ...allowed];

describe('the permission table, walked role by role', () => {
  for (const testCase of API_CASES) {
    it(`API ${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const who of inOrder(EVERYONE, testCase.allowed)) {
        const { status, body, headers } = await testCase.call(who);
        if (!testCase.allowed.includes(who)) {
          assertRefused(who, status, body, testCase.name, testCase.signedInOnly);
          continue;
        }
        assert.equal(status, testCase.success.status, `${testCase.name} as ${who} → ${status} ${JSON.stringify(body)}`);
        testCase.success.body?.(body, headers);
      }
    });
  }

  for (const testCase of REGISTRY_CASES) {
    it(`registry ${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const who of inOrder(EVERYONE, testCase.allowed)) {
        const response = await testCase.call(who);
        if (testCase.allowed.includes(who)) testCase.success(response, who);
        else assertRegistryRefused(who, response, testCase.name);
      }
    });
  }

  it('token service grants each role exactly its registry actions', async () => {
    const expected: Record<Who, string[]> = {
      projectAdmin: ['pull', 'push', 'delete'],
      maintainer: ['pull', 'push', 'delete'],
      developer: ['pull', 'push'],
      guest: ['pull'],
      limitedGuest: ['pull'],
      outsider: [],
      anonymous: [],
    };
    for (const who of EVERYONE) {
      const headers: Record<string, string> = {};
      const value = auth(who);
      if (value) headers.authorization = value;
      const response = await fetch(`${t.url}/service/token?service=harbor-registry&scope=repository:walk/app:pull,push,delete`, { headers });
      assert.equal(response.status, 200, who);
      const { token } = (await response.json()) as { token: string };
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
      assert.deepEqual(claims.access, [{ type: 'repository', name: 'walk/app', actions: expected[who] }], who);
      // And the token works on /v2 exactly as far as it says.
      const pull = await fetch(`${t.url}/v2/walk/app/manifests/v1`, { headers: { authorization: `Bearer ${token}` } });
      await pull.arrayBuffer();
      assert.equal(pull.status, expected[who].includes('pull') ? 200 : 401, `${who} pulls with the token`);
      const push = await fetch(`${t.url}/v2/walk/app/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await push.arrayBuffer();
      assert.equal(push.status, expected[who].includes('push') ? 202 : 401, `${who} pushes with the token`);
    }
  });

  it('refuses, for every role, member ids that belong to another project', async () => {
    const mayReadMembers: readonly Who[] = NOT_LIMITED;
    for (const who of MEMBERS) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const response = await harbor.call(method, `${p()}/members/${foreignMember}`, { auth: auth(who), ...(method === 'PUT' && { body: { role_id: 1 } }) });
        // Callers who may act on members are told there is no such member here; the others are refused as for any member.
        const mayAct = method === 'GET' ? mayReadMembers.includes(who) : who === 'projectAdmin';
        assert.deepEqual([response.status, response.body?.errors?.[0]?.code], mayAct ? [404, 'NOT_FOUND'] : [403, 'FORBIDDEN'], `${who} ${method} foreign member → ${response.status} ${response.text}`);
      }
    }
    const stillThere = await harbor.call('GET', `/projects/walk-other/members/${foreignMember}`, { headers: { 'X-Is-Resource-Name': 'true' } });
    assert.equal(stillThere.body.role_id, 2);
  });

  it('lists in _catalog only repositories of projects the caller may see', async () => {
    await t.client.pushImage('walk-other/hidden', 'v1', await image);
    for (const who of ['developer', 'outsider'] as const) {
      const response = await fetch(`${t.url}/v2/_catalog`, { headers: { authorization: auth(who)! } });
      const { repositories } = (await response.json()) as { repositories: string[] };
      if (who === 'developer') assert.deepEqual(repositories, ['walk/app']);
      else assert.deepEqual(repositories, ['walk-other/hidden']);
    }
    const anonymous = await fetch(`${t.url}/v2/_catalog`);
    assert.equal(anonymous.status, 401);
  });
});

/** Routes outside any project: what a system administrator, any signed-in user and an anonymous caller may do. */
describe('system-level routes, walked for a system admin, a user and an anonymous caller', () => {
  type Caller = 'sysadmin' | 'user' | 'anonymous';
  const callers: Caller[] = ['sysadmin', 'user', 'anonymous'];
  const as = (caller: Caller) => (caller === 'sysadmin' ? undefined : caller === 'user' ? auth('developer') : null);
  const isList: Success['body'] = (body) => assert.ok(Array.isArray(body), JSON.stringify(body));
  const cases: { name: string; allowed: Caller[]; success: Success; call: (caller: Caller) => Promise<{ status: number; body: unknown; headers: Headers }> }[] = [
    { name: 'GET /users', allowed: ['sysadmin'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/users', { auth: as(c) }) },
    { name: 'GET /users/current', allowed: ['sysadmin', 'user'], success: { status: 200, body: (b) => assert.match(b.username, /^(admin|walk-developer)$/) }, call: (c) => harbor.call('GET', '/users/current', { auth: as(c) }) },
    { name: 'GET /users/search', allowed: ['sysadmin', 'user'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/users/search?username=walk', { auth: as(c) }) },
    { name: 'GET /usergroups', allowed: ['sysadmin'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/usergroups', { auth: as(c) }) },
    { name: 'GET /usergroups/search', allowed: ['sysadmin', 'user'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/usergroups/search?groupname=x', { auth: as(c) }) },
    { name: 'GET /configurations', allowed: ['sysadmin'], success: { status: 200, body: (b) => assert.equal(typeof b.auth_mode?.value, 'string') }, call: (c) => harbor.call('GET', '/configurations', { auth: as(c) }) },
    { name: 'PUT /configurations', allowed: ['sysadmin'], success: { status: 200 }, call: (c) => harbor.call('PUT', '/configurations', { auth: as(c), body: { self_registration: false } }) },
    // Nothing listens there: the ping itself succeeds and reports the failure.
    {
      name: 'POST /ldap/ping',
      allowed: ['sysadmin'],
      success: { status: 200, body: (b) => assert.equal(b.success, false) },
      call: (c) => harbor.call('POST', '/ldap/ping', { auth: as(c), body: { ldap_url: 'ldap://127.0.0.1:9', ldap_base_dn: 'dc=example,dc=test' } }),
    },
    { name: 'GET /robots (all)', allowed: ['sysadmin'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/robots', { auth: as(c) }) },
    { name: 'GET /audit-logs', allowed: ['sysadmin', 'user'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/audit-logs', { auth: as(c) }) },
    { name: 'GET /auditlog-exts', allowed: ['sysadmin', 'user'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/auditlog-exts', { auth: as(c) }) },
    {
      name: 'POST /projects',
      allowed: ['sysadmin', 'user'],
      success: { status: 201, body: (_b, headers) => assert.match(headers.get('location') ?? '', /\/projects\/\d+$/) },
      call: (c) => harbor.call('POST', '/projects', { auth: as(c), body: { project_name: `walk-new-${c}` } }),
    },
    { name: 'GET /projects', allowed: ['sysadmin', 'user', 'anonymous'], success: { status: 200, body: isList }, call: (c) => harbor.call('GET', '/projects', { auth: as(c) }) },
    { name: 'GET /systeminfo', allowed: ['sysadmin', 'user', 'anonymous'], success: { status: 200, body: (b) => assert.equal(typeof b.auth_mode, 'string') }, call: (c) => harbor.call('GET', '/systeminfo', { auth: as(c) }) },
    { name: 'GET /systeminfo/volumes', allowed: ['sysadmin'], success: { status: 200, body: (b) => assert.ok(b.storage[0].total > 0, JSON.stringify(b)) }, call: (c) => harbor.call('GET', '/systeminfo/volumes', { auth: as(c) }) },
    // Without HTTPS there is no certificate: everyone is told so with Harbor's documented 404, nobody is refused.
    {
      name: 'GET /systeminfo/getcert',
      allowed: ['sysadmin', 'user', 'anonymous'],
      success: { status: 404, body: (b) => assert.equal(b.errors[0].code, 'NOT_FOUND') },
      call: (c) => harbor.call('GET', '/systeminfo/getcert', { auth: as(c) }),
    },
    { name: 'GET /statistics', allowed: ['sysadmin', 'user'], success: { status: 200, body: (b) => assert.equal(typeof b.private_project_count, 'number') }, call: (c) => harbor.call('GET', '/statistics', { auth: as(c) }) },
    { name: 'GET /search', allowed: ['sysadmin', 'user', 'anonymous'], success: { status: 200, body: (b) => assert.ok(Array.isArray(b.project) && Array.isArray(b.repository)) }, call: (c) => harbor.call('GET', '/search?q=walk', { auth: as(c) }) },
    { name: 'GET /health', allowed: ['sysadmin', 'user', 'anonymous'], success: { status: 200, body: (b) => assert.equal(b.status, 'healthy') }, call: (c) => harbor.call('GET', '/health', { auth: as(c) }) },
    { name: 'GET /ping', allowed: ['sysadmin', 'user', 'anonymous'], success: { status: 200, body: (b) => assert.equal(b, 'Pong') }, call: (c) => harbor.call('GET', '/ping', { auth: as(c) }) },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const caller of callers) {
        const { status, body, headers } = await testCase.call(caller);
        if (!testCase.allowed.includes(caller)) {
          const expected = caller === 'anonymous' ? [401, 'UNAUTHORIZED'] : [403, 'FORBIDDEN'];
          assert.deepEqual([status, (body as { errors?: { code: string }[] })?.errors?.[0]?.code], expected, `${testCase.name} as ${caller} must be refused: ${status} ${JSON.stringify(body)}`);
          continue;
        }
        assert.equal(status, testCase.success.status, `${testCase.name} as ${caller} → ${status} ${JSON.stringify(body)}`);
        testCase.success.body?.(body, headers);
      }
    });
  }
});
