import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { imageOf, makeLayer, type Image } from '../fixtures/image-builder.ts';
import { systemJobRuns } from '../fixtures/system-job-runs.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { READ_ONLY_MESSAGE } from '../../src/content/read-only.ts';

/**
 * Harbor's repository read-only switch (read_only in /configurations): every
 * content write of /v2, Harbor's API and the jobs is refused with Harbor's
 * 403 DENIED and message; pulls and listings go on; turning it off restores writes.
 */
let t: TestApp;
let harbor: HarborApi;
let tagged: Image;
let untagged: Image;
let spare: Image;
let openUpload: string;

const DENIED = { errors: [{ code: 'DENIED', message: READ_ONLY_MESSAGE }] };

async function setReadOnly(on: boolean): Promise<void> {
  const response = await harbor.call('PUT', '/configurations', { body: { read_only: on } });
  assert.equal(response.status, 200, response.text);
}

before(async () => {
  t = await startTestApp();
  harbor = new HarborApi(t.url);
  await t.client.createProject('ro');
  tagged = imageOf([await makeLayer(3000, 'ro-tagged')], { created: 'tagged' });
  untagged = imageOf([await makeLayer(3000, 'ro-untagged')], { created: 'untagged' });
  spare = imageOf([await makeLayer(2000, 'ro-spare')], { created: 'spare' });
  await t.client.pushImage('ro/app', 'v1', tagged);
  await t.client.pushImage('ro/app', 'v2', untagged);
  // Untagged before the switch, so garbage collection and retention have something they would delete.
  assert.equal((await harbor.call('DELETE', '/projects/ro/repositories/app/artifacts/v2/tags/v2')).status, 200);
  const started = await t.client.request('POST', '/v2/ro/app/blobs/uploads/');
  assert.equal(started.status, 202);
  openUpload = started.headers.get('location')!;
  await setReadOnly(true);
});
after(async () => t.close());

describe('read_only on', () => {
  it('is shown by /configurations and /systeminfo', async () => {
    assert.deepEqual((await harbor.call('GET', '/configurations')).body.read_only, { value: true, editable: true });
    assert.equal((await harbor.call('GET', '/systeminfo')).body.read_only, true);
  });

  it('refuses every /v2 write with 403 DENIED and Harbor’s message', async () => {
    const layer = spare.layers[0]!;
    const writes: [string, string, { body?: Buffer; headers?: Record<string, string> }?][] = [
      ['POST', '/v2/ro/app/blobs/uploads/'],
      ['POST', '/v2/ro/new/blobs/uploads/'],
      ['POST', `/v2/ro/app/blobs/uploads/?digest=${layer.digest}`, { body: layer.bytes, headers: { 'content-type': 'application/octet-stream' } }],
      ['POST', `/v2/ro/other/blobs/uploads/?mount=${tagged.layers[0]!.digest}&from=ro/app`],
      ['PATCH', openUpload, { body: layer.bytes, headers: { 'content-type': 'application/octet-stream' } }],
      ['PUT', `${openUpload}?digest=${layer.digest}`, { body: layer.bytes, headers: { 'content-type': 'application/octet-stream' } }],
      ['DELETE', openUpload],
      ['PUT', '/v2/ro/app/manifests/v3', { body: tagged.manifest.bytes, headers: { 'content-type': tagged.manifest.mediaType } }],
      ['PUT', `/v2/ro/app/manifests/${spare.manifest.digest}`, { body: spare.manifest.bytes, headers: { 'content-type': spare.manifest.mediaType } }],
      ['DELETE', '/v2/ro/app/manifests/v1'],
      ['DELETE', `/v2/ro/app/manifests/${tagged.manifest.digest}`],
      ['DELETE', `/v2/ro/app/blobs/${tagged.layers[0]!.digest}`],
    ];
    for (const [method, path, options] of writes) {
      const response = await t.client.request(method, path, options);
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.deepEqual(await response.json(), DENIED, `${method} ${path}`);
    }
  });

  it('refuses every content write of Harbor’s API with 403 DENIED and Harbor’s message', async () => {
    const writes: [string, string, unknown?][] = [
      ['DELETE', `/projects/ro/repositories/app/artifacts/${tagged.manifest.digest}`],
      ['DELETE', `/projects/ro/repositories/app/artifacts/${untagged.manifest.digest}`],
      ['POST', '/projects/ro/repositories/app/artifacts/v1/tags', { name: 'another' }],
      ['DELETE', '/projects/ro/repositories/app/artifacts/v1/tags/v1'],
      ['POST', '/projects/ro/repositories/copy/artifacts?from=ro/app:v1'],
      ['POST', `/projects/ro/repositories/copy/artifacts?from=ro/app@${tagged.manifest.digest}`],
      ['PUT', '/projects/ro/repositories/app', { description: 'changed' }],
      ['DELETE', '/projects/ro/repositories/app'],
    ];
    for (const [method, path, body] of writes) {
      const response = await harbor.call(method, path, body === undefined ? {} : { body });
      assert.equal(response.status, 403, `${method} ${path}: ${response.text}`);
      assert.deepEqual(response.body, DENIED, `${method} ${path}`);
    }
  });

  it('lets pulls and reads go on', async () => {
    const manifest = await t.client.request('GET', '/v2/ro/app/manifests/v1', { headers: { accept: tagged.manifest.mediaType } });
    assert.equal(manifest.status, 200);
    assert.deepEqual(Buffer.from(await manifest.arrayBuffer()), tagged.manifest.bytes);
    const blob = await t.client.request('GET', `/v2/ro/app/blobs/${tagged.layers[0]!.digest}`);
    assert.equal(blob.status, 200);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), tagged.layers[0]!.bytes);
    assert.deepEqual(await (await t.client.request('GET', '/v2/ro/app/tags/list')).json(), { name: 'ro/app', tags: ['v1'] });
    const artifacts = await harbor.call('GET', '/projects/ro/repositories/app/artifacts');
    assert.equal(artifacts.status, 200);
    assert.deepEqual(artifacts.body.map((a: { digest: string }) => a.digest).sort(), [tagged.manifest.digest, untagged.manifest.digest].sort());
  });

  it('fails a garbage collection run with Harbor’s message, deleting nothing', async () => {
    const { runNow, finished } = systemJobRuns(harbor, '/system/gc');
    const id = await runNow({ delete_untagged: true, time_window: 0 });
    assert.equal((await finished(id)).job_status, 'Error');
    assert.match((await harbor.call('GET', `/system/gc/${id}/log`)).text, new RegExp(READ_ONLY_MESSAGE.replace(/\./g, '\\.')));
    assert.equal((await t.client.request('HEAD', `/v2/ro/app/manifests/${untagged.manifest.digest}`)).status, 200);
    assert.equal((await t.client.request('HEAD', `/v2/ro/app/blobs/${untagged.layers[0]!.digest}`)).status, 200);
    const dry = await runNow({ delete_untagged: true, time_window: 0, dry_run: true });
    assert.equal((await finished(dry)).job_status, 'Success', 'a dry run deletes nothing, so it runs');
  });

  it('keeps a retention run from deleting anything', async () => {
    const project = (await harbor.call('GET', '/projects/ro')).body.project_id;
    const policy = await harbor.call('POST', '/retentions', {
      body: {
        algorithm: 'or',
        rules: [
          {
            disabled: false,
            action: 'retain',
            template: 'latestPushedK',
            params: { latestPushedK: 0 },
            tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: '**', extras: '{"untagged":true}' }],
            scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
          },
        ],
        trigger: { kind: 'Schedule', references: {}, settings: { cron: '' } },
        scope: { level: 'project', ref: project },
      },
    });
    assert.equal(policy.status, 201, policy.text);
    const policyId = policy.headers.get('location')!.split('/').pop()!;
    const run = await harbor.call('POST', `/retentions/${policyId}/executions`, { body: { dry_run: false } });
    assert.equal(run.status, 201, run.text);
    const runId = run.headers.get('location')!.split('/').pop()!;
    let status = '';
    await waitUntil(async () => {
      const found = ((await harbor.call('GET', `/retentions/${policyId}/executions`)).body as { id: number; status: string }[]).find((e) => String(e.id) === runId);
      status = found?.status ?? '';
      return !['', 'Pending', 'Running'].includes(status);
    }, 'retention run ended', 60_000);
    assert.equal(status, 'Error');
    const artifacts = await harbor.call('GET', '/projects/ro/repositories/app/artifacts');
    assert.equal(artifacts.body.length, 2, 'both artifacts are still there');
  });
});

describe('read_only off again', () => {
  it('restores writes: push, tag, delete', async () => {
    await setReadOnly(false);
    assert.equal((await harbor.call('GET', '/systeminfo')).body.read_only, false);
    await t.client.pushImage('ro/app', 'v3', spare);
    assert.equal((await harbor.call('POST', '/projects/ro/repositories/app/artifacts/v3/tags', { body: { name: 'again' } })).status, 201);
    assert.equal((await t.client.request('DELETE', `/v2/ro/app/manifests/${untagged.manifest.digest}`)).status, 202);
    const finishing = await t.client.request('PUT', `${openUpload}?digest=${spare.layers[0]!.digest}`, { body: spare.layers[0]!.bytes, headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(finishing.status, 201, 'an upload opened before the switch completes once it is off');
  });
});
