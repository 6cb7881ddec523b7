import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

let t: TestApp;
let harbor: HarborApi;
let alphaId: number;
const maintainer = basic('imm-mia', TEST_PASSWORD);
const developer = basic('imm-dev', TEST_PASSWORD);
const guest = basic('imm-gus', TEST_PASSWORD);
const outsider = basic('imm-otto', TEST_PASSWORD);
const projectAdmin = basic('imm-pa', TEST_PASSWORD);
const limitedGuest = basic('imm-lim', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  for (const name of ['imm-mia', 'imm-dev', 'imm-gus', 'imm-otto', 'imm-pa', 'imm-lim']) await harbor.createUser(name);
  alphaId = await harbor.createProject('alpha');
  await harbor.createProject('beta');
  await harbor.addMember('alpha', 'imm-mia', ROLE_IDS.maintainer);
  await harbor.addMember('alpha', 'imm-dev', ROLE_IDS.developer);
  await harbor.addMember('alpha', 'imm-gus', ROLE_IDS.guest);
  await harbor.addMember('alpha', 'imm-pa', ROLE_IDS.projectAdmin);
  await harbor.addMember('alpha', 'imm-lim', ROLE_IDS.limitedGuest);
});
after(async () => t.close());

function ruleBody(tag: [string, string], repository: [string, string] = ['repoMatches', '**'], extra: Record<string, unknown> = {}) {
  return {
    action: 'immutable',
    template: 'immutable_template',
    disabled: false,
    tag_selectors: [{ kind: 'doublestar', decoration: tag[0], pattern: tag[1] }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: repository[0], pattern: repository[1] }] },
    ...extra,
  };
}

const rulesPath = (project: string | number) => `/projects/${project}/immutabletagrules`;

async function createRule(project: string | number, body: unknown, auth?: string): Promise<number> {
  const created = await harbor.call('POST', rulesPath(project), { auth, body });
  assert.equal(created.status, 201, created.text);
  const location = created.headers.get('location')!;
  assert.match(location, new RegExp(`^/api/v2\\.0/projects/\\d+/immutabletagrules/\\d+$`));
  return Number(location.split('/').pop());
}

async function deleteAll(project: string): Promise<void> {
  const listed = await harbor.call('GET', `${rulesPath(project)}?page_size=100`);
  for (const rule of listed.body) assert.equal((await harbor.call('DELETE', `${rulesPath(project)}/${rule.id}`)).status, 200);
}

describe('immutable tag rules API', () => {
  it('creates, lists, edits, disables and deletes a rule as Harbor does', async () => {
    const id = await createRule('alpha', ruleBody(['matches', 'v*'], ['repoMatches', 'app']));
    const listed = await harbor.call('GET', rulesPath('alpha'));
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('x-total-count'), '1');
    assert.deepEqual(listed.body, [
      {
        id,
        priority: 0,
        disabled: false,
        action: 'immutable',
        template: 'immutable_template',
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: 'app' }] },
      },
    ]);

    // The project may also be named by id.
    const edited = await harbor.call('PUT', `${rulesPath(alphaId)}/${id}`, { body: ruleBody(['excludes', 'dev-*'], ['repoExcludes', 'tmp/**'], { id, disabled: true }) });
    assert.equal(edited.status, 200, edited.text);
    const after = await harbor.call('GET', rulesPath(alphaId));
    assert.deepEqual(after.body[0], {
      id,
      priority: 0,
      disabled: true,
      action: 'immutable',
      template: 'immutable_template',
      tag_selectors: [{ kind: 'doublestar', decoration: 'excludes', pattern: 'dev-*' }],
      scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoExcludes', pattern: 'tmp/**' }] },
    });

    assert.equal((await harbor.call('DELETE', `${rulesPath('alpha')}/${id}`)).status, 200);
    assert.deepEqual((await harbor.call('GET', rulesPath('alpha'))).body, []);
    const again = await harbor.call('DELETE', `${rulesPath('alpha')}/${id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.errors[0].code, 'NOT_FOUND');
  });

  it('refuses the same selectors twice in a project with 409, on create and on edit', async () => {
    const first = await createRule('alpha', ruleBody(['matches', 'release-*']));
    const duplicate = await harbor.call('POST', rulesPath('alpha'), { body: ruleBody(['matches', 'release-*']) });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.errors[0].code, 'CONFLICT');
    // Another project may have the same rule.
    await createRule('beta', ruleBody(['matches', 'release-*']));
    const second = await createRule('alpha', ruleBody(['matches', 'stable']));
    const clash = await harbor.call('PUT', `${rulesPath('alpha')}/${second}`, { body: ruleBody(['matches', 'release-*'], undefined, { id: second }) });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.errors[0].code, 'CONFLICT');
    await harbor.call('DELETE', `${rulesPath('alpha')}/${first}`);
    await deleteAll('alpha');
    await deleteAll('beta');
  });

  it('holds a project to 15 rules', async () => {
    for (let i = 0; i < 15; i++) await createRule('alpha', ruleBody(['matches', `v${i}.*`]));
    const sixteenth = await harbor.call('POST', rulesPath('alpha'), { body: ruleBody(['matches', 'v16.*']) });
    assert.equal(sixteenth.status, 400);
    assert.match(sixteenth.body.errors[0].message, /at most 15/);
    const page = await harbor.call('GET', `${rulesPath('alpha')}?page=2&page_size=10`);
    assert.equal(page.status, 200);
    assert.equal(page.body.length, 5);
    assert.equal(page.headers.get('x-total-count'), '15');
    assert.match(page.headers.get('link') ?? '', /rel="prev"/);
    await deleteAll('alpha');
  });

  it('refuses malformed rules with 400 in the Harbor envelope', async () => {
    const bad: [string, unknown][] = [
      ['a label selector', { ...ruleBody(['matches', '**']), tag_selectors: [{ kind: 'label', decoration: 'withLabels', pattern: 'x' }] }],
      ['a repository decoration on tags', ruleBody(['repoMatches', '**'])],
      ['a tag decoration on repositories', ruleBody(['matches', '**'], ['matches', '**'])],
      ['an unclosed class', ruleBody(['matches', 'v[1'])],
      ['an unclosed brace', ruleBody(['matches', '{a,b'])],
      ['two tag selectors', { ...ruleBody(['matches', '**']), tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'a' }, { kind: 'doublestar', decoration: 'matches', pattern: 'b' }] }],
      ['no repository selector', { ...ruleBody(['matches', '**']), scope_selectors: {} }],
      ['a namespace scope', { ...ruleBody(['matches', '**']), scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }], namespace: [] } }],
      ['another action', ruleBody(['matches', '**'], undefined, { action: 'retain' })],
      ['another template', ruleBody(['matches', '**'], undefined, { template: 'latestPushedK' })],
      ['no body', undefined],
    ];
    for (const [what, body] of bad) {
      const refused = await harbor.call('POST', rulesPath('alpha'), { body });
      assert.equal(refused.status, 400, `${what}: ${refused.text}`);
      assert.equal(refused.body.errors[0].code, 'BAD_REQUEST', what);
    }
    const id = await createRule('alpha', ruleBody(['matches', 'x']));
    const mismatch = await harbor.call('PUT', `${rulesPath('alpha')}/${id}`, { body: ruleBody(['matches', 'y'], undefined, { id: id + 1 }) });
    assert.equal(mismatch.status, 400);
    const unknown = await harbor.call('PUT', `${rulesPath('alpha')}/999999`, { body: ruleBody(['matches', 'y']) });
    assert.equal(unknown.status, 404);
    // A rule of another project is not found through this one.
    const betaRule = await createRule('beta', ruleBody(['matches', 'z']));
    assert.equal((await harbor.call('DELETE', `${rulesPath('alpha')}/${betaRule}`)).status, 404);
    assert.equal((await harbor.call('PUT', `${rulesPath('alpha')}/${betaRule}`, { body: ruleBody(['matches', 'q']) })).status, 404);
    assert.equal((await harbor.call('GET', rulesPath('nosuchproject'))).status, 404);
    await deleteAll('alpha');
    await deleteAll('beta');
  });

  it("follows Harbor's permissions: project admins and maintainers manage rules, developers and guests may not even list them", async () => {
    const byProjectAdmin = await createRule('alpha', ruleBody(['matches', 'p*']), projectAdmin);
    assert.equal((await harbor.call('GET', rulesPath('alpha'), { auth: projectAdmin })).status, 200);
    assert.equal((await harbor.call('DELETE', `${rulesPath('alpha')}/${byProjectAdmin}`, { auth: projectAdmin })).status, 200);
    const byMaintainer = await createRule('alpha', ruleBody(['matches', 'm*']), maintainer);
    assert.equal((await harbor.call('GET', rulesPath('alpha'), { auth: maintainer })).status, 200);
    assert.equal((await harbor.call('PUT', `${rulesPath('alpha')}/${byMaintainer}`, { auth: maintainer, body: ruleBody(['matches', 'n*']) })).status, 200);
    for (const auth of [developer, guest, limitedGuest]) {
      const list = await harbor.call('GET', rulesPath('alpha'), { auth });
      assert.equal(list.status, 403);
      assert.equal(list.body.errors[0].code, 'FORBIDDEN');
      assert.equal((await harbor.call('POST', rulesPath('alpha'), { auth, body: ruleBody(['matches', 'd*']) })).status, 403);
      assert.equal((await harbor.call('PUT', `${rulesPath('alpha')}/${byMaintainer}`, { auth, body: ruleBody(['matches', 'd*']) })).status, 403);
      assert.equal((await harbor.call('DELETE', `${rulesPath('alpha')}/${byMaintainer}`, { auth })).status, 403);
    }
    // A private project the caller is no member of does not exist for them.
    assert.equal((await harbor.call('GET', rulesPath('alpha'), { auth: outsider })).status, 404);
    assert.equal((await harbor.call('GET', rulesPath('alpha'), { auth: null })).status, 404);
    assert.equal((await harbor.call('DELETE', `${rulesPath('alpha')}/${byMaintainer}`, { auth: maintainer })).status, 200);
  });
});
