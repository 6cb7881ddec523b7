import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { HarborApi, type ApiResponse } from '../fixtures/harbor-api.ts';
import pg from 'pg';
import { imageOf, makeLayer, type Image, type Layer } from '../fixtures/image-builder.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { createContentServices } from '../../src/content/content-services.ts';
import { ImmutableTagError } from '../../src/content/immutable-tags.ts';
import { ImmutabilityStore } from '../../src/immutability/immutability.store.ts';
import { createLogger } from '../../src/logger.ts';
import { BlobStore } from '../../src/storage/blob-store.ts';
import { HashWorker } from '../../src/storage/parallel-hash.ts';

/**
 * Immutable tag rules as every change meets them, through /v2 and through
 * Harbor's API alike: Harbor's 412 PRECONDITION for moving an immutable tag,
 * deleting it, or deleting what carries it; a re-push of the same digest and
 * the first push of a new immutable tag succeed; disabled rules and tags or
 * repositories the selectors leave out change nothing.
 */

let t: TestApp;
let harbor: HarborApi;
let layers: Layer[];
let serial = 0;

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  layers = [await makeLayer(1000), await makeLayer(3000)];
  await harbor.createProject('copysrc');
});
after(async () => t.close());

/** An image no other test pushed (a new digest), on layers shared by all. */
function newImage(): Image {
  return imageOf(layers, { created: new Date(Date.UTC(2024, 0, 1) + serial++ * 1000).toISOString() });
}

function ruleBody(repository: [string, string], tag: [string, string], disabled = false) {
  return {
    action: 'immutable',
    template: 'immutable_template',
    disabled,
    tag_selectors: [{ kind: 'doublestar', decoration: tag[0], pattern: tag[1] }],
    scope_selectors: { repository: [{ kind: 'doublestar', decoration: repository[0], pattern: repository[1] }] },
  };
}

async function createRule(project: string, body: ReturnType<typeof ruleBody>): Promise<number> {
  const created = await harbor.call('POST', `/projects/${project}/immutabletagrules`, { body });
  assert.equal(created.status, 201, created.text);
  return Number(created.headers.get('location')!.split('/').pop());
}

async function setDisabled(project: string, id: number, body: ReturnType<typeof ruleBody>, disabled: boolean): Promise<void> {
  const updated = await harbor.call('PUT', `/projects/${project}/immutabletagrules/${id}`, { body: { ...body, id, disabled } });
  assert.equal(updated.status, 200, updated.text);
}

interface Outcome {
  status: number;
  code?: string;
  message?: string;
}

function harborOutcome(response: ApiResponse): Outcome {
  const error = response.body?.errors?.[0];
  return error ? { status: response.status, code: error.code, message: error.message } : { status: response.status };
}

async function outcomeOf(response: Response): Promise<Outcome> {
  const text = await response.text();
  if (response.ok) return { status: response.status };
  const error = (JSON.parse(text) as { errors: { code: string; message: string }[] }).errors[0]!;
  return { status: response.status, code: error.code, message: error.message };
}

function split(repository: string): { project: string; inProject: string } {
  const slash = repository.indexOf('/');
  return { project: repository.slice(0, slash), inProject: repository.slice(slash + 1) };
}

/** One API's way of pushing a tag and deleting tags and artifacts, and its statuses for success. */
interface Api {
  name: string;
  deleted: number;
  push(repository: string, tag: string, image: Image): Promise<Outcome>;
  deleteTag(repository: string, tag: string, digest: string): Promise<Outcome>;
  deleteArtifact(repository: string, digest: string): Promise<Outcome>;
}

async function pushBlobs(repository: string, image: Image): Promise<void> {
  for (const blob of [image.config, ...image.layers]) await t.client.pushBlob(repository, blob);
}

const v2: Api = {
  name: '/v2',
  deleted: 202,
  async push(repository, tag, image) {
    await pushBlobs(repository, image);
    return await outcomeOf(await t.client.request('PUT', `/v2/${repository}/manifests/${tag}`, { body: image.manifest.bytes, headers: { 'content-type': image.manifest.mediaType } }));
  },
  async deleteTag(repository, tag) {
    return await outcomeOf(await t.client.request('DELETE', `/v2/${repository}/manifests/${tag}`));
  },
  async deleteArtifact(repository, digest) {
    return await outcomeOf(await t.client.request('DELETE', `/v2/${repository}/manifests/${digest}`));
  },
};

const artifactsPath = (repository: string) => {
  const { project, inProject } = split(repository);
  return `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(inProject))}/artifacts`;
};

/** Harbor's API pushes a tag by copying it from another project (POST …/artifacts?from=<project>/<repository>:<tag>). */
const harborApi: Api = {
  name: "Harbor's API",
  deleted: 200,
  async push(repository, tag, image) {
    const source = `copysrc/${split(repository).inProject}`;
    await t.client.pushImage(source, tag, image);
    const copied = await harbor.call('POST', `${artifactsPath(repository)}?from=${encodeURIComponent(`${source}:${tag}`)}`);
    return harborOutcome(copied);
  },
  async deleteTag(repository, tag, digest) {
    return harborOutcome(await harbor.call('DELETE', `${artifactsPath(repository)}/${digest}/tags/${tag}`));
  },
  async deleteArtifact(repository, digest) {
    return harborOutcome(await harbor.call('DELETE', `${artifactsPath(repository)}/${digest}`));
  },
};

function assertRefused(outcome: Outcome, repository: string, tag: string, what: string): void {
  assert.deepEqual({ status: outcome.status, code: outcome.code }, { status: 412, code: 'PRECONDITION' }, `${what}: ${outcome.message}`);
  assert.match(outcome.message!, new RegExp(`^tag ${tag} of ${repository} is immutable \\(immutable tag rule \\d+\\): `), what);
}

async function digestOfTag(repository: string, tag: string): Promise<string | null> {
  const response = await t.client.request('HEAD', `/v2/${repository}/manifests/${tag}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  return response.status === 200 ? response.headers.get('docker-content-digest') : null;
}

type Expected = 'created' | 'deleted' | 'refused';

interface Row {
  /** What a user relies on. */
  does: string;
  act(api: Api, images: Images): Promise<Outcome>;
  expected: Expected;
  /** The repository and tag a refusal names. */
  refusal?: [repository: string, tag: string];
}

interface Images {
  a: Image;
  b: Image;
}

for (const api of [v2, harborApi]) {
  const key = api === v2 ? 'v2' : 'harbor';
  // One project per API, so that toggling its rule leaves the other API's table alone.
  const project = `imm-${key}`;
  const release = `${project}/team/release`;
  const other = `${project}/team/other`;
  const excluding = `${project}-excl`;
  const enabledRule = ruleBody(['repoMatches', '**/release'], ['matches', 'v*']);
  let ruleId: number;
  const images = {} as Images;

  const rows: Row[] = [
    { does: 'creating a new tag an enabled rule holds succeeds: the first push wins', act: (a, i) => a.push(release, 'v1', i.a), expected: 'created' },
    { does: 'a tag the tag selector leaves out is pushed beside it', act: (a, i) => a.push(release, 'latest', i.a), expected: 'created' },
    { does: 'pushing the digest the immutable tag is on again succeeds', act: (a, i) => a.push(release, 'v1', i.a), expected: 'created' },
    { does: 'pushing another digest to the immutable tag is refused', act: (a, i) => a.push(release, 'v1', i.b), expected: 'refused', refusal: [release, 'v1'] },
    { does: 'deleting the immutable tag is refused', act: (a, i) => a.deleteTag(release, 'v1', i.a.manifest.digest), expected: 'refused', refusal: [release, 'v1'] },
    { does: 'deleting the artifact carrying the immutable tag is refused', act: (a, i) => a.deleteArtifact(release, i.a.manifest.digest), expected: 'refused', refusal: [release, 'v1'] },
    { does: 'a tag the tag selector leaves out moves to another digest', act: (a, i) => a.push(release, 'latest', i.b), expected: 'created' },
    { does: 'and back', act: (a, i) => a.push(release, 'latest', i.a), expected: 'created' },
    { does: 'deleting another tag of the artifact carrying the immutable tag works', act: (a, i) => a.deleteTag(release, 'latest', i.a.manifest.digest), expected: 'deleted' },
    { does: 'the same tag name in a repository the repository selector leaves out is created', act: (a, i) => a.push(other, 'v1', i.a), expected: 'created' },
    { does: 'moves to another digest', act: (a, i) => a.push(other, 'v1', i.b), expected: 'created' },
    { does: 'is deleted', act: (a, i) => a.deleteTag(other, 'v1', i.b.manifest.digest), expected: 'deleted' },
    { does: 'and its artifact too', act: (a, i) => a.deleteArtifact(other, i.a.manifest.digest), expected: 'deleted' },
    // repoExcludes and excludes: every repository but tmp/**, every tag but dev-*.
    { does: 'excludes: a tag the selectors hold is created', act: (a, i) => a.push(`${excluding}/app`, 'rel', i.a), expected: 'created' },
    { does: 'excludes: and then refuses another digest', act: (a, i) => a.push(`${excluding}/app`, 'rel', i.b), expected: 'refused', refusal: [`${excluding}/app`, 'rel'] },
    { does: 'excludes: a tag the tag selector excludes is created', act: (a, i) => a.push(`${excluding}/app`, 'dev-1', i.a), expected: 'created' },
    { does: 'excludes: and moves', act: (a, i) => a.push(`${excluding}/app`, 'dev-1', i.b), expected: 'created' },
    { does: 'excludes: a tag the selectors hold in a repository the repository selector excludes is created', act: (a, i) => a.push(`${excluding}/tmp/x`, 'rel', i.a), expected: 'created' },
    { does: 'excludes: and moves', act: (a, i) => a.push(`${excluding}/tmp/x`, 'rel', i.b), expected: 'created' },
    { does: 'excludes: and its tags are deleted', act: (a, i) => a.deleteTag(`${excluding}/tmp/x`, 'rel', i.b.manifest.digest), expected: 'deleted' },
  ];

  describe(`immutable tags through ${api.name}`, () => {
    before(async () => {
      await harbor.createProject(project);
      await harbor.createProject(excluding);
      ruleId = await createRule(project, enabledRule);
      await createRule(excluding, ruleBody(['repoExcludes', 'tmp/**'], ['excludes', 'dev-*']));
      images.a = newImage();
      images.b = newImage();
    });

    for (const row of rows) {
      it(row.does, async () => {
        const outcome = await row.act(api, images);
        if (row.expected === 'refused') assertRefused(outcome, row.refusal![0], row.refusal![1], row.does);
        else assert.deepEqual(outcome, { status: row.expected === 'created' ? 201 : api.deleted }, row.does);
      });
    }

    it('leaves the immutable tag on its first digest after every refusal', async () => {
      assert.equal(await digestOfTag(release, 'v1'), images.a.manifest.digest);
      assert.equal(await digestOfTag(`${excluding}/app`, 'rel'), images.a.manifest.digest);
    });

    it('shows the tag as immutable with with_immutable_status, and as not immutable without it', async () => {
      const path = `${artifactsPath(release)}/${images.a.manifest.digest}`;
      const tagsOf = (body: { tags: { name: string; immutable: boolean }[] }) => body.tags.map((tag) => [tag.name, tag.immutable]);
      assert.deepEqual(tagsOf((await harbor.call('GET', `${path}?with_immutable_status=true`)).body), [['v1', true]]);
      assert.deepEqual(tagsOf((await harbor.call('GET', path)).body), [['v1', false]]);
      const listed = await harbor.call('GET', `${artifactsPath(release)}?with_immutable_status=true&q=${encodeURIComponent(`digest=${images.a.manifest.digest}`)}`);
      assert.deepEqual(tagsOf(listed.body[0]), [['v1', true]]);
      const tagList = await harbor.call('GET', `${path}/tags?with_immutable_status=true`);
      assert.deepEqual(tagList.body.map((tag: { name: string; immutable: boolean }) => [tag.name, tag.immutable]), [['v1', true]]);
      const projectWide = await harbor.call('GET', `/projects/${project}/artifacts?with_immutable_status=true&q=${encodeURIComponent(`digest=${images.a.manifest.digest}`)}`);
      assert.deepEqual(projectWide.body.map(tagsOf), [[['v1', true]]]);
    });

    it('refuses deleting the repository holding the immutable tag', async () => {
      const { inProject } = split(release);
      const refused = await harbor.call('DELETE', `/projects/${project}/repositories/${encodeURIComponent(encodeURIComponent(inProject))}`);
      assertRefused(harborOutcome(refused), release, 'v1', 'repository delete');
      assert.equal(await digestOfTag(release, 'v1'), images.a.manifest.digest);
    });

    it('a disabled rule holds nothing: the tag moves, is deleted, and its artifact too', async () => {
      await setDisabled(project, ruleId, enabledRule, true);
      assert.deepEqual(await api.push(release, 'v1', images.b), { status: 201 });
      assert.deepEqual(await api.push(release, 'v1', images.a), { status: 201 });
      assert.deepEqual(await api.deleteTag(release, 'v1', images.a.manifest.digest), { status: api.deleted });
      assert.deepEqual(await api.push(release, 'v2', images.a), { status: 201 });
      assert.deepEqual(await api.deleteArtifact(release, images.a.manifest.digest), { status: api.deleted });
      const tags = await harbor.call('GET', `${artifactsPath(release)}/${images.b.manifest.digest}?with_immutable_status=true`);
      assert.deepEqual(tags.body.tags, []);
      // Enabled again, it holds at once.
      await setDisabled(project, ruleId, enabledRule, false);
      assert.deepEqual(await api.push(release, 'v3', images.b), { status: 201 });
      assertRefused(await api.push(release, 'v3', images.a), release, 'v3', 're-enabled');
    });
  });
}

describe('concurrent pushes to an immutable tag', () => {
  const repository = 'race/app';

  before(async () => {
    await harbor.createProject('race');
    await createRule('race', ruleBody(['repoMatches', '**'], ['matches', 'stable']));
    // The layers referenced first, so the racing pushes lock them shared and meet only at the tag.
    const base = newImage();
    assert.deepEqual(await v2.push(repository, 'base', base), { status: 201 });
  });

  /**
   * Pushes `count` new digests to the tag at once. Left alone, requests
   * reach the tag milliseconds apart and one commits before the next looks;
   * so another session holds every write to the tag table (LOCK TABLE … IN
   * SHARE MODE) until a pool's worth of pushes queue behind it, and they
   * then meet at the tag together.
   */
  async function race(count: number): Promise<{ images: Image[]; outcomes: Outcome[] }> {
    const images = Array.from({ length: count }, () => newImage());
    for (const image of images) await pushBlobs(repository, image);
    const barrier = new pg.Client({ connectionString: t.config.database.url });
    await barrier.connect();
    try {
      await barrier.query('BEGIN');
      await barrier.query('LOCK TABLE tag IN SHARE MODE');
      const pushes = Promise.all(
        images.map(async (image) => await outcomeOf(await t.client.request('PUT', `/v2/${repository}/manifests/stable`, { body: image.manifest.bytes, headers: { 'content-type': image.manifest.mediaType } }))),
      );
      const waiting = async () => Number((await barrier.query(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'relation' AND relation = 'tag'::regclass AND NOT granted`)).rows[0].n);
      // The app's pool has 10 connections; a few may be busy elsewhere (pulls, the audit reader).
      await waitUntil(async () => (await waiting()) >= 8, '8 pushes wait to write the tag');
      await barrier.query('COMMIT');
      return { images, outcomes: await pushes };
    } finally {
      await barrier.end();
    }
  }

  it('of 20 pushes of different digests to a new immutable tag, exactly one wins and 19 are refused with 412', async () => {
    const { images, outcomes } = await race(20);
    const won = outcomes.flatMap((outcome, i) => (outcome.status === 201 ? [i] : []));
    assert.equal(won.length, 1, JSON.stringify(outcomes));
    const refused = outcomes.filter((outcome) => outcome.status === 412 && outcome.code === 'PRECONDITION');
    assert.equal(refused.length, 19, JSON.stringify(outcomes));
    assert.equal(await digestOfTag(repository, 'stable'), images[won[0]!]!.manifest.digest);
  });

  it('of 20 pushes of new digests to the taken immutable tag, all are refused with 412', async () => {
    const before = await digestOfTag(repository, 'stable');
    const { outcomes } = await race(20);
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.status, outcome.code]),
      outcomes.map(() => [412, 'PRECONDITION']),
    );
    assert.equal(await digestOfTag(repository, 'stable'), before);
  });
});

describe('immutable tags for jobs that change content (retention)', () => {
  it('refuses deleting an immutable tag or its artifact through content/ with an ImmutableTagError naming the tag and rule', async () => {
    await harbor.createProject('jobs');
    const ruleId = await createRule('jobs', ruleBody(['repoMatches', '**'], ['matches', 'keep-*']));
    const image = newImage();
    assert.deepEqual(await v2.push('jobs/app', 'keep-1', image), { status: 201 });
    assert.deepEqual(await v2.push('jobs/app', 'old', image), { status: 201 });
    const hashing = new HashWorker();
    const content = createContentServices({
      db: t.db,
      blobs: new BlobStore(t.storage),
      hashing,
      settings: t.settings,
      options: { deleteEnabled: true, uploadIdleTimeoutMs: 0 },
      immutableRules: new ImmutabilityStore(),
      log: createLogger('warn'),
    });
    try {
      const repository = { id: (await content.repositories.idOf('jobs/app'))!, name: 'jobs/app' };
      const system = { operator: 'system' };
      const refusals = [
        await content.tags.delete(repository, 'keep-1', system).catch((error: unknown) => error),
        await content.manifests.deleteArtifact(repository, image.manifest.digest, system).catch((error: unknown) => error),
      ];
      for (const refusal of refusals) {
        assert.ok(refusal instanceof ImmutableTagError, String(refusal));
        assert.deepEqual([refusal.code, refusal.status, refusal.repository, refusal.tag, refusal.ruleId], ['PRECONDITION', 412, 'jobs/app', 'keep-1', String(ruleId)]);
      }
      // A tag no rule holds goes, on the artifact the immutable one keeps.
      assert.equal(await content.tags.delete(repository, 'old', system), true);
      assert.equal(await digestOfTag('jobs/app', 'keep-1'), image.manifest.digest);
    } finally {
      await hashing.close();
    }
  });
});
