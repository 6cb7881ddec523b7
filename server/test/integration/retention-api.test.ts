import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

let t: TestApp;
let harbor: HarborApi;
let alphaId: number;
let betaId: number;
let openId: number;
const who = (name: string) => basic(`ret-${name}`, TEST_PASSWORD);
const projectAdmin = who('pa');
const maintainer = who('mia');
const developer = who('dev');
const guest = who('gus');
const limitedGuest = who('lim');
const outsider = who('otto');

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  for (const name of ['pa', 'mia', 'dev', 'gus', 'lim', 'otto']) await harbor.createUser(`ret-${name}`);
  alphaId = await harbor.createProject('alpha');
  betaId = await harbor.createProject('beta');
  openId = await harbor.createProject('open', { public: true });
  for (const project of ['alpha', 'open']) {
    await harbor.addMember(project, 'ret-pa', ROLE_IDS.projectAdmin);
    await harbor.addMember(project, 'ret-mia', ROLE_IDS.maintainer);
    await harbor.addMember(project, 'ret-dev', ROLE_IDS.developer);
    await harbor.addMember(project, 'ret-gus', ROLE_IDS.guest);
    await harbor.addMember(project, 'ret-lim', ROLE_IDS.limitedGuest);
  }
});
after(async () => t.close());

function retentionRule(template: string, params: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) {
  return {
    disabled: false,
    action: 'retain',
    template,
    params,
    tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":true}' }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
    ...overrides,
  };
}

/** What Harbor's portal sends. */
function policyBody(projectId: number, rules: unknown[] = [retentionRule('latestPushedK', { latestPushedK: 10 })], cron = '0 0 0 * * *') {
  return { algorithm: 'or', rules, trigger: { kind: 'Schedule', references: {}, settings: { cron } }, scope: { level: 'project', ref: projectId } };
}

async function createPolicy(body: unknown, auth?: string): Promise<number> {
  const created = await harbor.call('POST', '/retentions', { auth, body });
  assert.equal(created.status, 201, created.text);
  const location = created.headers.get('location')!;
  assert.match(location, /^\/api\/v2\.0\/retentions\/\d+$/);
  return Number(location.split('/').pop());
}

async function retentionIdOf(project: string): Promise<string | undefined> {
  const read = await harbor.call('GET', `/projects/${project}`);
  assert.equal(read.status, 200);
  return read.body.metadata.retention_id;
}

describe('retention metadata', () => {
  it("lists Harbor's templates and selectors, word for word, to anyone signed in", async () => {
    const read = await harbor.call('GET', '/retentions/metadatas', { auth: guest });
    assert.equal(read.status, 200);
    const int = (unit: string) => [{ type: 'int', unit, required: true }];
    assert.deepEqual(read.body, {
      templates: [
        { rule_template: 'latestPushedK', display_text: 'the most recently pushed # artifacts', action: 'retain', params: int('COUNT') },
        { rule_template: 'latestPulledN', display_text: 'the most recently pulled # artifacts', action: 'retain', params: int('COUNT') },
        { rule_template: 'nDaysSinceLastPush', display_text: 'pushed within the last # days', action: 'retain', params: int('DAYS') },
        { rule_template: 'nDaysSinceLastPull', display_text: 'pulled within the last # days', action: 'retain', params: int('DAYS') },
        { rule_template: 'always', display_text: 'always', action: 'retain', params: [] },
      ],
      scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
      tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] }],
    });
    const anonymous = await harbor.call('GET', '/retentions/metadatas', { auth: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errors[0].code, 'UNAUTHORIZED');
  });
});

describe('retention policies', () => {
  it("are created, read, changed and deleted, linked from the project's retention_id as in Harbor", async () => {
    const id = await createPolicy(policyBody(alphaId));
    assert.equal(await retentionIdOf('alpha'), String(id));
    const read = await harbor.call('GET', `/retentions/${id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, {
      id,
      algorithm: 'or',
      rules: [
        {
          id: 1,
          priority: 0,
          disabled: false,
          action: 'retain',
          template: 'latestPushedK',
          params: { latestPushedK: 10 },
          tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":true}' }],
          scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
        },
      ],
      trigger: { kind: 'Schedule', settings: { cron: '0 0 0 * * *' }, references: {} },
      scope: { level: 'project', ref: alphaId },
    });

    // One policy a project: Harbor's 400.
    const second = await harbor.call('POST', '/retentions', { body: policyBody(alphaId) });
    assert.equal(second.status, 400);
    assert.match(second.body.errors[0].message, new RegExp(`already has retention policy ${id}`));

    const rules = [
      retentionRule('nDaysSinceLastPull', { nDaysSinceLastPull: 30 }, { id: 7 }),
      retentionRule('always', {}, { disabled: true, tag_selectors: [{ kind: 'doublestar', decoration: 'excludes', pattern: 'dev-*' }], scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoExcludes', pattern: 'tmp/**' }] } }),
      // Berth's per-tag rule: Harbor's clients see an extra params key and ignore it.
      retentionRule('latestPushedK', { latestPushedK: 3, 'berth.per_tag': true }),
    ];
    const changed = await harbor.call('PUT', `/retentions/${id}`, { body: policyBody(alphaId, rules, '') });
    assert.equal(changed.status, 200, changed.text);
    const after = await harbor.call('GET', `/retentions/${id}`);
    assert.deepEqual(
      after.body.rules.map((r: { id: number; template: string; disabled: boolean; params: unknown }) => [r.id, r.template, r.disabled, r.params]),
      [
        [7, 'nDaysSinceLastPull', false, { nDaysSinceLastPull: 30 }],
        [2, 'always', true, {}],
        [3, 'latestPushedK', false, { latestPushedK: 3, 'berth.per_tag': true }],
      ],
    );
    assert.deepEqual(after.body.trigger, { kind: 'Schedule', settings: { cron: '' }, references: {} });

    // The policy is alpha's: naming another project in the body finds nothing.
    const elsewhere = await harbor.call('PUT', `/retentions/${id}`, { body: policyBody(betaId) });
    assert.equal(elsewhere.status, 404);

    assert.equal((await harbor.call('DELETE', `/retentions/${id}`)).status, 200);
    assert.equal(await retentionIdOf('alpha'), undefined);
    const gone = await harbor.call('GET', `/retentions/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.errors[0].code, 'NOT_FOUND');
    assert.equal((await harbor.call('DELETE', `/retentions/${id}`)).status, 404);
    assert.equal((await harbor.call('PUT', `/retentions/${id}`, { body: policyBody(alphaId) })).status, 404);
  });

  it("accept Harbor's 15 rules and refuse a 16th with 400", async () => {
    const fifteen = Array.from({ length: 15 }, (_, i) => retentionRule('latestPushedK', { latestPushedK: i + 1 }));
    const id = await createPolicy(policyBody(betaId, fifteen));
    const sixteen = [...fifteen, retentionRule('always')];
    const refused = await harbor.call('PUT', `/retentions/${id}`, { body: policyBody(betaId, sixteen) });
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors[0].message, /only 15 rules are allowed at most/);
    assert.equal((await harbor.call('DELETE', `/retentions/${id}`)).status, 200);
    const created = await harbor.call('POST', '/retentions', { body: policyBody(betaId, sixteen) });
    assert.equal(created.status, 400);
    assert.equal(await retentionIdOf('beta'), undefined);
  });

  it('refuse two identical rules with 409, as Harbor does', async () => {
    const rule = retentionRule('always');
    const refused = await harbor.call('POST', '/retentions', { body: policyBody(betaId, [rule, { ...rule, id: 9 }]) });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.errors[0].code, 'CONFLICT');
    assert.match(refused.body.errors[0].message, /rule 1 is conflict with rule 0/);
  });

  it('refuse malformed policies with 400 in the Harbor envelope, storing nothing', async () => {
    const withRule = (rule: unknown) => policyBody(betaId, [rule]);
    const bad: [string, unknown][] = [
      ['a five-field cron', policyBody(betaId, undefined, '0 0 * * *')],
      ['a cron not at second 0', policyBody(betaId, undefined, '30 0 0 * * *')],
      ['a cron out of range', policyBody(betaId, undefined, '0 0 25 * * *')],
      ['a cron of words', policyBody(betaId, undefined, 'every night')],
      ['an unknown template', withRule(retentionRule('latestPushedX', { latestPushedX: 1 }))],
      ['a missing parameter', withRule(retentionRule('latestPushedK'))],
      ['a negative parameter', withRule(retentionRule('nDaysSinceLastPush', { nDaysSinceLastPush: -1 }))],
      ['a parameter that is not a number', withRule(retentionRule('latestPulledN', { latestPulledN: 'ten' }))],
      ['a count too large', withRule(retentionRule('latestPushedK', { latestPushedK: 40000 }))],
      ['an unknown parameter', withRule(retentionRule('always', { latestPushedK: 3 }))],
      ['a per-tag flag that is not a boolean', withRule(retentionRule('always', { 'berth.per_tag': 'yes' }))],
      ['a label selector', withRule(retentionRule('always', {}, { tag_selectors: [{ kind: 'label', decoration: 'withLabels', pattern: 'x' }] }))],
      ['a repository decoration on tags', withRule(retentionRule('always', {}, { tag_selectors: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] }))],
      ['a tag decoration on repositories', withRule(retentionRule('always', {}, { scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'matches', pattern: '**' }] } }))],
      ['no tag selector', withRule(retentionRule('always', {}, { tag_selectors: [] }))],
      ['no repository selector', withRule(retentionRule('always', {}, { scope_selectors: {} }))],
      ['a bad pattern', withRule(retentionRule('always', {}, { tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v[1' }] }))],
      ['extras that are not JSON', withRule(retentionRule('always', {}, { tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: 'untagged' }] }))],
      ['another action', withRule(retentionRule('always', {}, { action: 'delete' }))],
      ['another algorithm', { ...policyBody(betaId), algorithm: 'and' }],
      ['a system scope', { ...policyBody(betaId), scope: { level: 'system', ref: 0 } }],
      ['an event trigger', { ...policyBody(betaId), trigger: { kind: 'Event', settings: { cron: '' } } }],
      ['no trigger', { algorithm: 'or', rules: [], scope: { level: 'project', ref: betaId } }],
      ['a project that does not exist', policyBody(999999)],
      ['no body', undefined],
    ];
    for (const [what, body] of bad) {
      const refused = await harbor.call('POST', '/retentions', { body });
      assert.equal(refused.status, 400, `${what}: ${refused.text}`);
      assert.equal(refused.body.errors[0].code, 'BAD_REQUEST', what);
    }
    assert.equal(await retentionIdOf('beta'), undefined);
  });

  it("follow Harbor's permissions: project admins, maintainers and developers manage retention; guests may not; others do not see it", async () => {
    for (const [auth, project, projectId] of [[projectAdmin, 'alpha', alphaId], [maintainer, 'alpha', alphaId], [developer, 'alpha', alphaId]] as const) {
      const id = await createPolicy(policyBody(projectId), auth);
      assert.equal((await harbor.call('GET', `/retentions/${id}`, { auth })).status, 200);
      assert.equal((await harbor.call('PUT', `/retentions/${id}`, { auth, body: policyBody(projectId, [retentionRule('always')]) })).status, 200);
      assert.equal((await harbor.call('DELETE', `/retentions/${id}`, { auth })).status, 200);
      assert.equal(await retentionIdOf(project), undefined);
    }
    const id = await createPolicy(policyBody(openId));
    for (const auth of [guest, limitedGuest]) {
      const read = await harbor.call('GET', `/retentions/${id}`, { auth });
      assert.equal(read.status, 403);
      assert.equal(read.body.errors[0].code, 'FORBIDDEN');
      assert.equal((await harbor.call('PUT', `/retentions/${id}`, { auth, body: policyBody(openId) })).status, 403);
      assert.equal((await harbor.call('DELETE', `/retentions/${id}`, { auth })).status, 403);
      assert.equal((await harbor.call('POST', '/retentions', { auth, body: policyBody(alphaId) })).status, 403);
    }
    // Public project: an outsider sees the project, not its retention.
    assert.equal((await harbor.call('GET', `/retentions/${id}`, { auth: outsider })).status, 403);
    // Private project: an outsider cannot tell it exists.
    const hidden = await createPolicy(policyBody(alphaId));
    assert.equal((await harbor.call('GET', `/retentions/${hidden}`, { auth: outsider })).status, 404);
    assert.equal((await harbor.call('DELETE', `/retentions/${hidden}`, { auth: outsider })).status, 404);
    const create = await harbor.call('POST', '/retentions', { auth: outsider, body: policyBody(betaId) });
    assert.equal(create.status, 400);
    assert.match(create.body.errors[0].message, new RegExp(`invalid Project id ${betaId}`));
    // Harbor wants a login for every retention call, public projects included.
    for (const path of [`/retentions/${id}`, `/retentions/${hidden}`]) assert.equal((await harbor.call('GET', path, { auth: null })).status, 401);
    assert.equal((await harbor.call('POST', '/retentions', { auth: null, body: policyBody(openId) })).status, 401);
    assert.equal((await harbor.call('GET', '/retentions/0')).status, 400);
    await harbor.call('DELETE', `/retentions/${id}`);
    await harbor.call('DELETE', `/retentions/${hidden}`);
  });

  it('go with their project', async () => {
    const doomedId = await harbor.createProject('doomed');
    const id = await createPolicy(policyBody(doomedId));
    assert.equal((await harbor.call('DELETE', `/projects/${doomedId}`)).status, 200);
    assert.equal((await harbor.call('GET', `/retentions/${id}`)).status, 404);
  });
});

describe('retention runs', () => {
  it('read the policy without a caller, as the job service will, and find nothing once it is deleted', async () => {
    const service = t.retention;
    const id = await createPolicy(policyBody(betaId, [retentionRule('latestPushedK', { latestPushedK: 2, 'berth.per_tag': true })]));
    const policy = await service.forRun(String(id));
    assert.equal(policy?.projectId, String(betaId));
    assert.deepEqual(policy?.rules.map((rule) => [rule.template, rule.params]), [['latestPushedK', { latestPushedK: 2, 'berth.per_tag': true }]]);
    await harbor.call('DELETE', `/retentions/${id}`);
    assert.equal(await service.forRun(String(id)), undefined);
  });
});
