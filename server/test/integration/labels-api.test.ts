import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { makeImage } from '../fixtures/image-builder.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

let t: TestApp;
let harbor: HarborApi;
let alphaId: number;
let betaId: number;
let openId: number;
const maintainer = basic('mia', TEST_PASSWORD);
const developer = basic('dev', TEST_PASSWORD);
const guest = basic('gus', TEST_PASSWORD);
const limitedGuest = basic('lim', TEST_PASSWORD);
const outsider = basic('otto', TEST_PASSWORD);

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  for (const name of ['mia', 'dev', 'gus', 'lim', 'otto']) await harbor.createUser(name);
  alphaId = await harbor.createProject('alpha');
  betaId = await harbor.createProject('beta');
  openId = await harbor.createProject('open', { public: true });
  await harbor.addMember('alpha', 'mia', ROLE_IDS.maintainer);
  await harbor.addMember('alpha', 'dev', ROLE_IDS.developer);
  await harbor.addMember('alpha', 'gus', ROLE_IDS.guest);
  await harbor.addMember('alpha', 'lim', ROLE_IDS.limitedGuest);
  for (const tag of ['v1', 'v2', 'v3']) await t.client.pushImage('alpha/app', tag, await makeImage({ layerSizes: [256] }));
  await t.client.pushImage('beta/app', 'v1', await makeImage({ layerSizes: [256] }));
  await t.client.pushImage('open/app', 'v1', await makeImage({ layerSizes: [256] }));
});
after(async () => t.close());

/** Creates a label and returns its id (from the Location header). */
async function createLabel(body: Record<string, unknown>, auth?: string): Promise<number> {
  const created = await harbor.call('POST', '/labels', { auth, body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const location = created.headers.get('location')!;
  assert.match(location, /^\/api\/v2\.0\/labels\/\d+$/);
  return Number(location.split('/').pop());
}

function labelsPath(project: string, reference: string): string {
  return `/projects/${project}/repositories/app/artifacts/${reference}/labels`;
}

async function attach(project: string, reference: string, id: unknown, auth?: string | null) {
  return await harbor.call('POST', labelsPath(project, reference), { auth, body: { id } });
}

/** The names of the labels on an artifact, as GET …/artifacts/{reference}?with_label=true shows them. */
async function labelsOn(project: string, reference: string): Promise<string[]> {
  const artifact = await harbor.call('GET', `/projects/${project}/repositories/app/artifacts/${reference}?with_label=true`);
  assert.equal(artifact.status, 200);
  return artifact.body.labels.map((label: { name: string }) => label.name).sort();
}

/** Tags of the artifacts a filtered listing of alpha/app returns. */
async function taggedWith(q: string): Promise<string[]> {
  const listed = await harbor.call('GET', `/projects/alpha/repositories/app/artifacts?q=${encodeURIComponent(q)}`);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.headers.get('x-total-count'), String(listed.body.length));
  return listed.body.flatMap((artifact: { tags: { name: string }[] }) => artifact.tags.map((tag) => tag.name)).sort();
}

describe('global labels', () => {
  it('are created, renamed and deleted by system administrators only, and read by anyone signed in', async () => {
    const id = await createLabel({ name: 'release', description: 'ready to ship', color: '#00AA00', scope: 'g', project_id: 0 });
    const read = await harbor.call('GET', `/labels/${id}`, { auth: developer });
    assert.equal(read.status, 200);
    assert.deepEqual({ ...read.body, creation_time: undefined, update_time: undefined }, {
      id,
      name: 'release',
      description: 'ready to ship',
      color: '#00AA00',
      scope: 'g',
      project_id: 0,
      creation_time: undefined,
      update_time: undefined,
    });
    assert.equal((await harbor.call('GET', `/labels/${id}`, { auth: null })).status, 401);
    assert.equal((await harbor.call('GET', '/labels?scope=g', { auth: null })).status, 401);

    for (const auth of [maintainer, developer, outsider]) {
      assert.equal((await harbor.call('POST', '/labels', { auth, body: { name: 'mine', scope: 'g' } })).status, 403);
      assert.equal((await harbor.call('PUT', `/labels/${id}`, { auth, body: { name: 'hijacked' } })).status, 403);
      assert.equal((await harbor.call('DELETE', `/labels/${id}`, { auth })).status, 403);
    }
    assert.equal((await harbor.call('POST', '/labels', { auth: null, body: { name: 'anon', scope: 'g' } })).status, 401);

    const renamed = await harbor.call('PUT', `/labels/${id}`, { body: { name: 'released', color: '#0000FF' } });
    assert.equal(renamed.status, 200);
    const after = (await harbor.call('GET', `/labels/${id}`)).body;
    assert.equal(after.name, 'released');
    assert.equal(after.color, '#0000FF');
    assert.equal(after.description, 'ready to ship', 'fields left out of the update keep their value');
    assert.ok(Date.parse(after.update_time) >= Date.parse(read.body.update_time));

    assert.equal((await harbor.call('DELETE', `/labels/${id}`)).status, 200);
    assert.equal((await harbor.call('GET', `/labels/${id}`)).status, 404);
    assert.equal((await harbor.call('DELETE', `/labels/${id}`)).status, 404);
  });

  it('have unique names: a second global label of the same name, or a rename onto one, is a conflict', async () => {
    await createLabel({ name: 'dup', scope: 'g' });
    const other = await createLabel({ name: 'other', scope: 'g' });
    const again = await harbor.call('POST', '/labels', { body: { name: 'dup', scope: 'g' } });
    assert.equal(again.status, 409);
    assert.match(again.body.errors[0].message, /dup/);
    assert.equal((await harbor.call('PUT', `/labels/${other}`, { body: { name: 'dup' } })).status, 409);
    // A project may have its own label of the same name.
    await createLabel({ name: 'dup', scope: 'p', project_id: betaId });
  });

  it('are listed with fuzzy name matching, q, sorting and Harbor\'s paging headers', async () => {
    for (const name of ['tier-gold', 'tier-silver', 'tier-bronze']) await createLabel({ name, scope: 'g' });
    const page = await harbor.call('GET', '/labels?scope=g&name=tier&sort=-name&page=1&page_size=2', { auth: developer });
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.map((l: { name: string }) => l.name), ['tier-silver', 'tier-gold']);
    assert.equal(page.headers.get('x-total-count'), '3');
    assert.match(page.headers.get('link')!, /page=2&page_size=2>; rel="next"/);
    const q = await harbor.call('GET', `/labels?scope=g&q=${encodeURIComponent('name=~bron')}`);
    assert.deepEqual(q.body.map((l: { name: string }) => l.name), ['tier-bronze']);
    const exact = await harbor.call('GET', `/labels?scope=g&q=${encodeURIComponent('name=tier-gold')}`);
    assert.deepEqual(exact.body.map((l: { name: string }) => l.name), ['tier-gold']);
    assert.equal((await harbor.call('GET', `/labels?scope=g&q=${encodeURIComponent('color=#fff')}`)).status, 400);
    assert.equal((await harbor.call('GET', '/labels?scope=g&sort=color')).status, 400);
    // Project labels never show up among global ones.
    assert.ok(!(await harbor.call('GET', '/labels?scope=g&name=dup')).body.some((l: { scope: string }) => l.scope !== 'g'));
  });
});

describe('project labels', () => {
  it("follow the project's label permissions: maintainers manage them, developers and guests read them, others cannot", async () => {
    const id = await createLabel({ name: 'qa-passed', color: '#123abc', scope: 'p', project_id: alphaId }, maintainer);
    const label = await harbor.call('GET', `/labels/${id}`, { auth: guest });
    assert.equal(label.status, 200);
    assert.equal(label.body.scope, 'p');
    assert.equal(label.body.project_id, alphaId);

    for (const auth of [developer, guest]) {
      const listed = await harbor.call('GET', `/labels?scope=p&project_id=${alphaId}`, { auth });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.map((l: { name: string }) => l.name), ['qa-passed']);
      assert.equal((await harbor.call('POST', '/labels', { auth, body: { name: 'nope', scope: 'p', project_id: alphaId } })).status, 403);
      assert.equal((await harbor.call('PUT', `/labels/${id}`, { auth, body: { description: 'nope' } })).status, 403);
      assert.equal((await harbor.call('DELETE', `/labels/${id}`, { auth })).status, 403);
    }
    // A limited guest sees the project but holds no label permission at all.
    assert.equal((await harbor.call('GET', `/labels?scope=p&project_id=${alphaId}`, { auth: limitedGuest })).status, 403);
    assert.equal((await harbor.call('GET', `/labels/${id}`, { auth: limitedGuest })).status, 403);

    // Outsiders and anonymous callers learn nothing of a private project's labels.
    for (const auth of [outsider, null]) {
      for (const response of [
        await harbor.call('GET', `/labels/${id}`, { auth }),
        await harbor.call('PUT', `/labels/${id}`, { auth, body: { name: 'x' } }),
        await harbor.call('DELETE', `/labels/${id}`, { auth }),
        await harbor.call('GET', `/labels?scope=p&project_id=${alphaId}`, { auth }),
        await harbor.call('POST', '/labels', { auth, body: { name: 'x', scope: 'p', project_id: alphaId } }),
      ]) {
        assert.equal(response.status, 404);
        assert.doesNotMatch(response.body.errors[0].message, /alpha/);
      }
    }

    assert.equal((await harbor.call('PUT', `/labels/${id}`, { auth: maintainer, body: { description: 'tests green' } })).status, 200);
    assert.equal((await harbor.call('GET', `/labels/${id}`, { auth: developer })).body.description, 'tests green');
    assert.equal((await harbor.call('DELETE', `/labels/${id}`, { auth: maintainer })).status, 200);
    assert.equal((await harbor.call('GET', `/labels/${id}`, { auth: maintainer })).status, 404);
  });

  it('have names unique within their project, and a project label may share a global label\'s name', async () => {
    await createLabel({ name: 'shared-name', scope: 'g' });
    await createLabel({ name: 'shared-name', scope: 'p', project_id: alphaId });
    await createLabel({ name: 'shared-name', scope: 'p', project_id: betaId });
    assert.equal((await harbor.call('POST', '/labels', { auth: maintainer, body: { name: 'shared-name', scope: 'p', project_id: alphaId } })).status, 409);
  });

  it("of a public project are readable by anyone, anonymous included, but changed only by the project's maintainers", async () => {
    const id = await createLabel({ name: 'community', scope: 'p', project_id: openId });
    assert.equal((await harbor.call('GET', `/labels/${id}`, { auth: null })).status, 200);
    const listed = await harbor.call('GET', `/labels?scope=p&project_id=${openId}`, { auth: outsider });
    assert.deepEqual(listed.body.map((l: { id: number }) => l.id), [id]);
    assert.equal((await harbor.call('PUT', `/labels/${id}`, { auth: null, body: { name: 'x' } })).status, 401);
    assert.equal((await harbor.call('DELETE', `/labels/${id}`, { auth: outsider })).status, 403);
  });

  it('go with their project when it is deleted', async () => {
    const projectId = await harbor.createProject('short-lived');
    const id = await createLabel({ name: 'temporary', scope: 'p', project_id: projectId });
    assert.equal((await harbor.call('DELETE', `/projects/${projectId}`)).status, 200);
    assert.equal((await harbor.call('GET', `/labels/${id}`)).status, 404);
  });
});

describe('label input', () => {
  it('is validated: scope g or p, project_id with project labels only, colours as #RRGGBB, non-empty names; 400 names the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'x', scope: 'x' }, /scope/],
      [{ name: 'x' }, /scope/],
      [{ name: 'x', scope: 'p' }, /project_id/],
      [{ name: 'x', scope: 'g', project_id: alphaId }, /project_id/],
      [{ name: 'x', scope: 'g', color: 'red' }, /color/],
      [{ name: 'x', scope: 'g', color: '#12345' }, /color/],
      [{ name: '   ', scope: 'g' }, /name/],
      [{ name: 'a'.repeat(129), scope: 'g' }, /name/],
      [{ name: 'tab\there', scope: 'g' }, /name/],
      [{ scope: 'g' }, /name/],
    ];
    for (const [body, field] of cases) {
      const response = await harbor.call('POST', '/labels', { body });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.match(response.body.errors[0].message, field, JSON.stringify(body));
    }
    assert.equal((await harbor.call('POST', '/labels', { body: { name: 'p', scope: 'p', project_id: 999999 } })).status, 404);

    const id = await createLabel({ name: 'fixed-scope', scope: 'g' });
    assert.match((await harbor.call('PUT', `/labels/${id}`, { body: { scope: 'p' } })).body.errors[0].message, /scope/);
    assert.match((await harbor.call('PUT', `/labels/${id}`, { body: { project_id: alphaId } })).body.errors[0].message, /project_id/);
    assert.match((await harbor.call('PUT', `/labels/${id}`, { body: { color: '#zzzzzz' } })).body.errors[0].message, /color/);
    // A client echoing the label back unchanged is fine.
    const echoed = (await harbor.call('GET', `/labels/${id}`)).body;
    assert.equal((await harbor.call('PUT', `/labels/${id}`, { body: { ...echoed, description: 'echoed' } })).status, 200);

    assert.match((await harbor.call('GET', '/labels')).body.errors[0].message, /scope/);
    assert.match((await harbor.call('GET', '/labels?scope=p')).body.errors[0].message, /project_id/);
    assert.equal((await harbor.call('GET', '/labels/abc')).status, 400);
  });
});

describe('labels on artifacts', () => {
  it('are attached and detached by developers and up, global labels and the project\'s own; guests may not', async () => {
    const global = await createLabel({ name: 'scanned', scope: 'g' });
    const own = await createLabel({ name: 'team-a', scope: 'p', project_id: alphaId });
    const foreign = await createLabel({ name: 'team-b', scope: 'p', project_id: betaId });

    assert.equal((await attach('alpha', 'v1', global, developer)).status, 200);
    assert.equal((await attach('alpha', 'v1', own, developer)).status, 200);
    const twice = await attach('alpha', 'v1', own, maintainer);
    assert.equal(twice.status, 409);
    assert.match(twice.body.errors[0].message, /already/);
    assert.deepEqual(await labelsOn('alpha', 'v1'), ['scanned', 'team-a']);

    // Another project's label is not there to be attached, exactly like a missing one.
    const other = await attach('alpha', 'v1', foreign, developer);
    assert.equal(other.status, 404);
    assert.doesNotMatch(other.body.errors[0].message, /beta|team-b/);
    assert.equal((await attach('alpha', 'v1', 999999, developer)).status, 404);
    assert.equal((await attach('alpha', 'v1', 'one', developer)).status, 400);
    assert.equal((await attach('alpha', 'no-such-tag', global, developer)).status, 404);

    assert.equal((await attach('alpha', 'v2', global, guest)).status, 403);
    assert.equal((await attach('alpha', 'v2', global, outsider)).status, 404);
    assert.equal((await attach('alpha', 'v2', global, null)).status, 404);
    assert.equal((await harbor.call('DELETE', `${labelsPath('alpha', 'v1')}/${global}`, { auth: guest })).status, 403);
    assert.deepEqual(await labelsOn('alpha', 'v2'), []);

    assert.equal((await harbor.call('DELETE', `${labelsPath('alpha', 'v1')}/${global}`, { auth: developer })).status, 200);
    assert.deepEqual(await labelsOn('alpha', 'v1'), ['team-a']);
    assert.equal((await harbor.call('DELETE', `${labelsPath('alpha', 'v1')}/${global}`, { auth: developer })).status, 404);
    assert.equal((await harbor.call('DELETE', `${labelsPath('alpha', 'v1')}/${own}`, { auth: maintainer })).status, 200);
    assert.deepEqual(await labelsOn('alpha', 'v1'), []);

    // The other project's label goes on its own artifacts.
    assert.equal((await attach('beta', 'v1', foreign)).status, 200);
    assert.deepEqual(await labelsOn('beta', 'v1'), ['team-b']);
  });

  it('show on artifacts as Harbor labels when asked with with_label=true, in single reads and listings', async () => {
    const id = await createLabel({ name: 'shown', color: '#ABCDEF', scope: 'g' });
    assert.equal((await attach('open', 'v1', id)).status, 200);
    const plain = await harbor.call('GET', '/projects/open/repositories/app/artifacts/v1', { auth: null });
    assert.equal(plain.status, 200);
    assert.equal(plain.body.labels, undefined, 'labels only when asked for, as with_label defaults to false');
    const withLabel = await harbor.call('GET', '/projects/open/repositories/app/artifacts/v1?with_label=true', { auth: null });
    assert.deepEqual(
      withLabel.body.labels.map((l: Record<string, unknown>) => [l.id, l.name, l.color, l.scope, l.project_id]),
      [[id, 'shown', '#ABCDEF', 'g', 0]],
    );
    const listed = await harbor.call('GET', '/projects/open/repositories/app/artifacts?with_label=true', { auth: null });
    assert.deepEqual(listed.body[0].labels.map((l: { name: string }) => l.name), ['shown']);
    assert.equal((await harbor.call('GET', '/projects/open/repositories/app/artifacts?with_label=maybe')).status, 400);
    // Anonymous readers of a public project see labels but do not attach them.
    assert.equal((await attach('open', 'v1', id, null)).status, 401);
  });

  it('filter artifact listings: q=labels=(a b) needs all, {a b} any, a single id that one', async () => {
    const red = await createLabel({ name: 'red', scope: 'g' });
    const blue = await createLabel({ name: 'blue', scope: 'p', project_id: alphaId });
    const unused = await createLabel({ name: 'unused', scope: 'g' });
    await attach('alpha', 'v1', red);
    await attach('alpha', 'v1', blue);
    await attach('alpha', 'v2', red);

    assert.deepEqual(await taggedWith(`labels=(${red} ${blue})`), ['v1']);
    assert.deepEqual(await taggedWith(`labels=(${red}, ${blue})`), ['v1']);
    assert.deepEqual(await taggedWith(`labels={${red} ${blue}}`), ['v1', 'v2']);
    assert.deepEqual(await taggedWith(`labels=${red}`), ['v1', 'v2']);
    assert.deepEqual(await taggedWith(`labels=${blue}`), ['v1']);
    assert.deepEqual(await taggedWith(`labels=${unused}`), []);
    assert.deepEqual(await taggedWith(`labels=${red},tags=v2`), ['v2']);

    for (const bad of ['labels=[1~9]', 'labels=~1', 'labels=red', 'labels=(1 x)']) {
      assert.equal((await harbor.call('GET', `/projects/alpha/repositories/app/artifacts?q=${encodeURIComponent(bad)}`)).status, 400, bad);
    }
    assert.equal((await harbor.call('GET', '/projects/alpha/repositories/app/artifacts?sort=labels')).status, 400);
  });

  it('come off every artifact when the label is deleted', async () => {
    const id = await createLabel({ name: 'doomed', scope: 'p', project_id: alphaId });
    for (const tag of ['v1', 'v2', 'v3']) assert.equal((await attach('alpha', tag, id, developer)).status, 200);
    assert.deepEqual(await taggedWith(`labels=${id}`), ['v1', 'v2', 'v3']);
    assert.equal((await harbor.call('DELETE', `/labels/${id}`, { auth: maintainer })).status, 200);
    for (const tag of ['v1', 'v2', 'v3']) assert.ok(!(await labelsOn('alpha', tag)).includes('doomed'), tag);
    assert.deepEqual(await taggedWith(`labels=${id}`), []);
    assert.equal((await attach('alpha', 'v1', id, developer)).status, 404);
  });
});
