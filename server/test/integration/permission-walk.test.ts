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
let spareMember: number;
let foreignMember: number;
const image = makeImage({ layerSizes: [16] });

function auth(who: Who): string | null {
  return who === 'anonymous' ? null : basic(`walk-${who}`, TEST_PASSWORD);
}

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  projectId = await harbor.createProject('walk');
  for (const who of [...MEMBERS, 'outsider', 'spare'] as const) await harbor.createUser(`walk-${who}`);
  for (const role of MEMBERS) await harbor.addMember(projectId, `walk-${role}`, ROLE_ID[role]);
  spareMember = await harbor.addMember(projectId, 'walk-spare', 3);
  await harbor.call('POST', `/projects/${projectId}/metadatas/`, { body: { auto_scan: 'false' } });
  await t.client.pushImage('walk/app', 'v1', await image);
  const other = await harbor.createProject('walk-other');
  foreignMember = await harbor.addMember(other, 'walk-outsider', 2);
});
after(async () => t.close());

/** A refusal: 401 for anonymous callers, 403 for members lacking the permission, and "project not found" for outsiders of a private project. */
function refused(status: number, body: unknown): boolean {
  if (status === 401 || status === 403) return true;
  return status === 404 && /project .* not found/.test(JSON.stringify(body));
}

interface ApiCase {
  name: string;
  allowed: readonly Who[];
  call: (who: Who) => Promise<{ status: number; body: unknown }>;
}

const p = () => `/projects/${projectId}`;
const API_CASES: ApiCase[] = [
  { name: 'GET project', allowed: ALL_ROLES, call: (who) => harbor.call('GET', p(), { auth: auth(who) }) },
  { name: 'GET project by name', allowed: ALL_ROLES, call: (who) => harbor.call('GET', '/projects/walk', { auth: auth(who), headers: { 'X-Is-Resource-Name': 'true' } }) },
  { name: 'GET summary', allowed: ALL_ROLES, call: (who) => harbor.call('GET', `${p()}/summary`, { auth: auth(who) }) },
  { name: 'PUT project', allowed: ADMIN, call: (who) => harbor.call('PUT', p(), { auth: auth(who), body: { metadata: { auto_scan: 'false' } } }) },
  { name: 'GET _deletable', allowed: ADMIN, call: (who) => harbor.call('GET', `${p()}/_deletable`, { auth: auth(who) }) },
  // The project holds a repository, so an allowed delete is refused with 412 and nothing is lost.
  { name: 'DELETE project', allowed: ADMIN, call: (who) => harbor.call('DELETE', p(), { auth: auth(who) }) },
  { name: 'GET metadatas', allowed: ADMIN_MAINTAINER, call: (who) => harbor.call('GET', `${p()}/metadatas/`, { auth: auth(who) }) },
  { name: 'GET one metadata', allowed: ADMIN_MAINTAINER, call: (who) => harbor.call('GET', `${p()}/metadatas/auto_scan`, { auth: auth(who) }) },
  { name: 'POST metadatas', allowed: ADMIN, call: (who) => harbor.call('POST', `${p()}/metadatas/`, { auth: auth(who), body: { auto_scan: 'false' } }) },
  { name: 'PUT metadata', allowed: ADMIN, call: (who) => harbor.call('PUT', `${p()}/metadatas/auto_scan`, { auth: auth(who), body: { auto_scan: 'false' } }) },
  { name: 'DELETE metadata', allowed: ADMIN, call: (who) => harbor.call('DELETE', `${p()}/metadatas/severity`, { auth: auth(who) }) },
  { name: 'GET members', allowed: NOT_LIMITED, call: (who) => harbor.call('GET', `${p()}/members`, { auth: auth(who) }) },
  { name: 'GET member', allowed: NOT_LIMITED, call: (who) => harbor.call('GET', `${p()}/members/${spareMember}`, { auth: auth(who) }) },
  { name: 'POST member', allowed: ADMIN, call: (who) => harbor.call('POST', `${p()}/members`, { auth: auth(who), body: { role_id: 3, member_user: { username: 'nobody-at-all' } } }) },
  { name: 'PUT member', allowed: ADMIN, call: (who) => harbor.call('PUT', `${p()}/members/${spareMember}`, { auth: auth(who), body: { role_id: 3 } }) },
  { name: 'DELETE member', allowed: ADMIN, call: (who) => harbor.call('DELETE', `${p()}/members/987654`, { auth: auth(who) }) },
  { name: 'GET project logs', allowed: ADMIN, call: (who) => harbor.call('GET', '/projects/walk/logs', { auth: auth(who) }) },
  { name: 'GET project auditlog-exts', allowed: ADMIN, call: (who) => harbor.call('GET', '/projects/walk/auditlog-exts', { auth: auth(who) }) },
  { name: 'GET project robots', allowed: NOT_LIMITED, call: (who) => harbor.call('GET', `/robots?q=ProjectID%3D${projectId}`, { auth: auth(who) }) },
  {
    name: 'POST project robot',
    allowed: ADMIN,
    call: (who) =>
      harbor.call('POST', '/robots', {
        auth: auth(who),
        body: { name: `walk-${who.toLowerCase()}`, level: 'project', duration: 1, permissions: [{ kind: 'project', namespace: 'walk', access: [{ resource: 'repository', action: 'pull' }] }] },
      }),
  },
  { name: 'GET project artifacts', allowed: ALL_ROLES, call: (who) => harbor.call('GET', `${p()}/artifacts`, { auth: auth(who) }) },
  { name: 'GET own permissions in project', allowed: ALL_ROLES, call: (who) => harbor.call('GET', `/users/current/permissions?scope=/project/${projectId}&relative=true`, { auth: auth(who) }) },
];

async function registry(who: Who, method: string, path: string): Promise<Response> {
  const headers: Record<string, string> = {};
  const value = auth(who);
  if (value) headers.authorization = value;
  const response = await fetch(`${t.url}/v2/walk/app/${path}`, { method, headers });
  await response.arrayBuffer();
  return response;
}

const REGISTRY_CASES: { name: string; allowed: readonly Who[]; call: (who: Who) => Promise<Response> }[] = [
  { name: 'pull a manifest', allowed: ALL_ROLES, call: (who) => registry(who, 'GET', 'manifests/v1') },
  { name: 'list tags', allowed: ALL_ROLES, call: (who) => registry(who, 'GET', 'tags/list') },
  { name: 'start a push', allowed: WRITERS, call: (who) => registry(who, 'POST', 'blobs/uploads/') },
  // Deleting a tag that does not exist: allowed callers get MANIFEST_UNKNOWN, nothing is lost.
  { name: 'delete a manifest', allowed: ADMIN_MAINTAINER, call: (who) => registry(who, 'DELETE', 'manifests/no-such-tag') },
];

describe('the permission table, walked role by role', () => {
  for (const testCase of API_CASES) {
    it(`API ${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const who of EVERYONE) {
        const { status, body } = await testCase.call(who);
        assert.equal(!refused(status, body), testCase.allowed.includes(who), `${testCase.name} as ${who} → ${status} ${JSON.stringify(body)}`);
        if (who === 'outsider' || who === 'anonymous') {
          if (!testCase.allowed.includes(who)) assert.ok(status === 404 || status === 401, `${who} learns nothing: ${status}`);
        }
      }
    });
  }

  for (const testCase of REGISTRY_CASES) {
    it(`registry ${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const who of EVERYONE) {
        const response = await testCase.call(who);
        const expected = testCase.allowed.includes(who);
        assert.equal(response.status !== 401 && response.status !== 403, expected, `${testCase.name} as ${who} → ${response.status}`);
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
    for (const who of MEMBERS) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const response = await harbor.call(method, `${p()}/members/${foreignMember}`, { auth: auth(who), ...(method === 'PUT' && { body: { role_id: 1 } }) });
        assert.ok(response.status === 404 || response.status === 403, `${who} ${method} foreign member → ${response.status}`);
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
  const cases: { name: string; allowed: Caller[]; call: (caller: Caller) => Promise<{ status: number; body: unknown }> }[] = [
    { name: 'GET /users', allowed: ['sysadmin'], call: (c) => harbor.call('GET', '/users', { auth: as(c) }) },
    { name: 'GET /users/current', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/users/current', { auth: as(c) }) },
    { name: 'GET /users/search', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/users/search?username=walk', { auth: as(c) }) },
    { name: 'GET /usergroups', allowed: ['sysadmin'], call: (c) => harbor.call('GET', '/usergroups', { auth: as(c) }) },
    { name: 'GET /usergroups/search', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/usergroups/search?groupname=x', { auth: as(c) }) },
    { name: 'GET /configurations', allowed: ['sysadmin'], call: (c) => harbor.call('GET', '/configurations', { auth: as(c) }) },
    { name: 'PUT /configurations', allowed: ['sysadmin'], call: (c) => harbor.call('PUT', '/configurations', { auth: as(c), body: { self_registration: false } }) },
    { name: 'POST /ldap/ping', allowed: ['sysadmin'], call: (c) => harbor.call('POST', '/ldap/ping', { auth: as(c) }) },
    { name: 'GET /robots (all)', allowed: ['sysadmin'], call: (c) => harbor.call('GET', '/robots', { auth: as(c) }) },
    { name: 'GET /audit-logs', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/audit-logs', { auth: as(c) }) },
    { name: 'GET /auditlog-exts', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/auditlog-exts', { auth: as(c) }) },
    { name: 'POST /projects', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('POST', '/projects', { auth: as(c), body: { project_name: `walk-new-${c}` } }) },
    { name: 'GET /projects', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/projects', { auth: as(c) }) },
    { name: 'GET /systeminfo', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/systeminfo', { auth: as(c) }) },
    { name: 'GET /systeminfo/volumes', allowed: ['sysadmin'], call: (c) => harbor.call('GET', '/systeminfo/volumes', { auth: as(c) }) },
    // Without HTTPS there is no certificate: everyone is told so (404), nobody is refused.
    { name: 'GET /systeminfo/getcert', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/systeminfo/getcert', { auth: as(c) }) },
    { name: 'GET /statistics', allowed: ['sysadmin', 'user'], call: (c) => harbor.call('GET', '/statistics', { auth: as(c) }) },
    { name: 'GET /search', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/search?q=walk', { auth: as(c) }) },
    { name: 'GET /health', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/health', { auth: as(c) }) },
    { name: 'GET /ping', allowed: ['sysadmin', 'user', 'anonymous'], call: (c) => harbor.call('GET', '/ping', { auth: as(c) }) },
  ];
  for (const testCase of cases) {
    it(`${testCase.name}: allowed for ${testCase.allowed.join(', ')} only`, async () => {
      for (const caller of callers) {
        const { status, body } = await testCase.call(caller);
        assert.equal(status !== 401 && status !== 403, testCase.allowed.includes(caller), `${testCase.name} as ${caller} → ${status} ${JSON.stringify(body)}`);
      }
    });
  }
});
