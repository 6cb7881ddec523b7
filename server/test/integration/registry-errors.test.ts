import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { blobOf, descriptor, makeImage, makeIndex, OCI_INDEX, OCI_MANIFEST, sha256, type Blob, type Image } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';

/**
 * The registry's documented behaviour, each error by its code and status as
 * docs/registry-api.md lists them (one test per row, and a test that the
 * table and these tests name the same errors), Docker manifest lists,
 * foreign layers, and 405 for methods a path does not serve.
 */

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const DOCKER_FOREIGN = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

let t: TestApp;
let c: RegistryClient;

before(async () => {
  t = await startTestApp();
  c = t.client;
  await c.createProject('errs');
  await c.createProject('docker');
  const tight = await c.request('POST', '/api/v2.0/projects', { body: JSON.stringify({ project_name: 'tight', storage_limit: 1024 }), headers: { 'content-type': 'application/json' } });
  assert.equal(tight.status, 201);
});
after(async () => t.close());

async function expectError(response: Response, status: number, code: string, what: string): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, `${what}: ${text}`);
  if (response.headers.get('content-type')?.startsWith('application/json') !== true) assert.fail(`${what}: no JSON error body (${response.headers.get('content-type')})`);
  const body = JSON.parse(text) as { errors?: { code: string; message: string }[] };
  assert.equal(body.errors?.[0]?.code, code, `${what}: ${text}`);
  assert.equal(typeof body.errors[0]!.message, 'string', what);
}

/** A Docker schema 2 manifest of an image built by makeImage: the same blobs under Docker's media types. */
function dockerManifest(image: Image, extraLayers: Record<string, unknown>[] = []): Blob {
  const manifest = {
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: descriptor(image.config, { mediaType: DOCKER_CONFIG }),
    layers: [...extraLayers, ...image.layers.map((layer) => descriptor(layer, { mediaType: DOCKER_LAYER }))],
  };
  return blobOf(Buffer.from(JSON.stringify(manifest)), DOCKER_MANIFEST);
}

async function startUpload(name: string): Promise<string> {
  const response = await c.request('POST', `/v2/${name}/blobs/uploads/`);
  await response.arrayBuffer();
  assert.equal(response.status, 202);
  return response.headers.get('location')!;
}

/** One case per row of the error table of docs/registry-api.md, keyed by "CODE STATUS". */
const documentedErrors: Record<string, { when: string; check: () => Promise<void> }> = {
  'NAME_INVALID 400': {
    when: 'the repository name is outside the OCI grammar',
    check: async () => {
      for (const name of ['Errs/app', 'errs/a..b', 'errs/-x', 'errs/a___b']) {
        await expectError(await c.request('GET', `/v2/${name}/tags/list`), 400, 'NAME_INVALID', name);
        await expectError(await c.request('POST', `/v2/${name}/blobs/uploads/`), 400, 'NAME_INVALID', `POST ${name}`);
      }
    },
  },
  'NAME_UNKNOWN 404': {
    when: 'tags of a repository that does not exist; unknown /v2 paths',
    check: async () => {
      await expectError(await c.request('GET', '/v2/errs/never-pushed/tags/list'), 404, 'NAME_UNKNOWN', 'tags of a missing repository');
      await expectError(await c.request('GET', '/v2/errs/app/nothing/here'), 404, 'NAME_UNKNOWN', 'an unknown /v2 path');
    },
  },
  'DIGEST_INVALID 400': {
    when: 'malformed or unsupported digest; content does not match it',
    check: async () => {
      for (const digest of ['sha256:short', 'md5:' + 'a'.repeat(32), 'sha384:' + 'a'.repeat(96)]) {
        await expectError(await c.request('GET', `/v2/errs/app/blobs/${digest}`), 400, 'DIGEST_INVALID', digest);
      }
      const bytes = randomBytes(64);
      await expectError(await c.request('POST', `/v2/errs/app/blobs/uploads/?digest=${sha256('other')}`, { body: bytes }), 400, 'DIGEST_INVALID', 'a monolithic upload of other content');
      const location = await startUpload('errs/app');
      await expectError(await c.request('PUT', location, { body: bytes }), 400, 'DIGEST_INVALID', 'completing an upload without ?digest');
      await expectError(await c.request('PUT', `${location}?digest=${sha256('other')}`, { body: bytes }), 400, 'DIGEST_INVALID', 'completing with the wrong digest');
      const image = await makeImage({ layerSizes: [8] });
      await c.pushImage('errs/app', 'v1', image);
      await expectError(await c.request('PUT', `/v2/errs/app/manifests/${sha256('not this')}`, { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } }), 400, 'DIGEST_INVALID', 'a manifest PUT by another digest');
    },
  },
  'BLOB_UNKNOWN 404': {
    when: 'the blob is not readable in this repository',
    check: async () => {
      const blob = blobOf(randomBytes(32), 'application/octet-stream');
      await c.pushBlob('errs/holder', blob);
      await expectError(await c.request('GET', `/v2/errs/app/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN', 'a blob of another repository');
      await expectError(await c.request('GET', `/v2/errs/holder/blobs/${sha256('never pushed')}`), 404, 'BLOB_UNKNOWN', 'a blob never pushed');
      assert.equal((await c.request('HEAD', `/v2/errs/app/blobs/${blob.digest}`)).status, 404);
    },
  },
  'BLOB_UPLOAD_UNKNOWN 404': {
    when: 'no such upload session in this repository',
    check: async () => {
      const missing = '/v2/errs/app/blobs/uploads/0b5e4c8e-0000-4000-8000-000000000000';
      for (const method of ['GET', 'PATCH', 'PUT', 'DELETE']) {
        await expectError(await c.request(method, method === 'PUT' ? `${missing}?digest=${sha256('x')}` : missing, method === 'PATCH' ? { body: 'x' } : {}), 404, 'BLOB_UPLOAD_UNKNOWN', `${method} an unknown session`);
      }
      await expectError(await c.request('GET', '/v2/errs/app/blobs/uploads/not-a-uuid'), 404, 'BLOB_UPLOAD_UNKNOWN', 'a malformed session id');
      const elsewhere = await startUpload('errs/other');
      await expectError(await c.request('GET', elsewhere.replace('errs/other', 'errs/app')), 404, 'BLOB_UPLOAD_UNKNOWN', 'a session of another repository');
    },
  },
  'BLOB_UPLOAD_INVALID 416': {
    when: "a chunk's Content-Range does not match the bytes sent",
    check: async () => {
      const location = await startUpload('errs/app');
      await expectError(await c.request('PATCH', location, { body: randomBytes(10), headers: { 'content-range': '0-19', 'content-type': 'application/octet-stream' } }), 416, 'BLOB_UPLOAD_INVALID', '20 bytes announced, 10 sent');
    },
  },
  'RANGE_INVALID 416': {
    when: 'malformed Range/Content-Range, or a chunk out of order',
    check: async () => {
      const blob = blobOf(randomBytes(100), 'application/octet-stream');
      await c.pushBlob('errs/ranges', blob);
      await expectError(await c.request('GET', `/v2/errs/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=0-1,5-6' } }), 416, 'RANGE_INVALID', 'a multi-part Range');
      await expectError(await c.request('GET', `/v2/errs/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=100-' } }), 416, 'RANGE_INVALID', 'a Range past the end');
      const location = await startUpload('errs/ranges');
      await expectError(await c.request('PATCH', location, { body: 'abc', headers: { 'content-range': 'three bytes' } }), 416, 'RANGE_INVALID', 'a malformed Content-Range');
      const first = await c.request('PATCH', location, { body: 'abc', headers: { 'content-range': '0-2', 'content-type': 'application/octet-stream' } });
      assert.equal(first.status, 202);
      const outOfOrder = await c.request('PATCH', location, { body: 'xyz', headers: { 'content-range': '5-7', 'content-type': 'application/octet-stream' } });
      assert.equal(outOfOrder.headers.get('range'), '0-2', 'the refusal tells the size received so far');
      await expectError(outOfOrder, 416, 'RANGE_INVALID', 'a chunk out of order');
    },
  },
  'MANIFEST_INVALID 400': {
    when: 'the manifest is not valid JSON of a supported type, or its media types disagree',
    check: async () => {
      const image = await makeImage({ layerSizes: [8] });
      for (const blob of [image.config, ...image.layers]) await c.pushBlob('errs/invalid', blob);
      const cases: [string, string | Buffer, string][] = [
        ['not JSON', '{', OCI_MANIFEST],
        ['schema 1', JSON.stringify({ schemaVersion: 1, name: 'errs/invalid', tag: 'x', fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
        ['OCI body sent as a Docker manifest', image.manifest.bytes, DOCKER_MANIFEST],
        ['an index sent as a manifest', JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_MANIFEST],
        ['a layer with a negative size', JSON.stringify({ ...JSON.parse(image.manifest.bytes.toString()), layers: [{ ...descriptor(image.layers[0]!), size: -1 }] }), OCI_MANIFEST],
      ];
      for (const [what, body, contentType] of cases) {
        await expectError(await c.request('PUT', '/v2/errs/invalid/manifests/bad', { body, headers: { 'content-type': contentType } }), 400, 'MANIFEST_INVALID', what);
      }
    },
  },
  'MANIFEST_BLOB_UNKNOWN 400': {
    when: 'a blob the manifest needs is not in the repository',
    check: async () => {
      const image = await makeImage({ layerSizes: [8] });
      await c.pushBlob('errs/partial', image.config);
      await expectError(await c.request('PUT', '/v2/errs/partial/manifests/v1', { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } }), 400, 'MANIFEST_BLOB_UNKNOWN', 'a layer never pushed');
    },
  },
  'MANIFEST_UNKNOWN 404': {
    when: 'no such manifest; an index child is missing',
    check: async () => {
      await c.pushImage('errs/manifests', 'v1', await makeImage({ layerSizes: [8] }));
      await expectError(await c.request('GET', '/v2/errs/manifests/manifests/v2'), 404, 'MANIFEST_UNKNOWN', 'an unknown tag');
      await expectError(await c.request('GET', `/v2/errs/manifests/manifests/${sha256('nothing')}`), 404, 'MANIFEST_UNKNOWN', 'an unknown digest');
      const orphan = makeIndex([{ image: await makeImage({ layerSizes: [8] }), architecture: 'amd64' }]);
      await expectError(await c.request('PUT', '/v2/errs/manifests/manifests/multi', { body: orphan.bytes, headers: { 'content-type': OCI_INDEX } }), 404, 'MANIFEST_UNKNOWN', 'an index whose child is missing');
    },
  },
  'MANIFEST_TOO_LARGE 413': {
    when: 'the manifest body exceeds 4 MiB',
    check: async () => {
      const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
      await expectError(await c.request('PUT', '/v2/errs/huge/manifests/v1', { body: huge, headers: { 'content-type': OCI_MANIFEST } }), 413, 'MANIFEST_TOO_LARGE', '4 MiB + 1 byte');
    },
  },
  'DENIED 409': {
    when: 'deleting a manifest that an index still refers to',
    check: async () => {
      const image = await makeImage({ layerSizes: [8] });
      await c.pushImage('errs/child', image.manifest.digest, image);
      assert.equal((await c.pushManifest('errs/child', 'multi', makeIndex([{ image, architecture: 'amd64' }]))).status, 201);
      await expectError(await c.request('DELETE', `/v2/errs/child/manifests/${image.manifest.digest}`), 409, 'DENIED', 'deleting an index child');
    },
  },
  'DENIED 403': {
    when: 'the push would take the project over its storage quota',
    check: async () => {
      const big = blobOf(randomBytes(4096), 'application/octet-stream');
      await expectError(await c.request('POST', `/v2/tight/app/blobs/uploads/?digest=${big.digest}`, { body: big.bytes }), 403, 'DENIED', 'a blob over the 1 KiB quota');
    },
  },
  'PRECONDITION 412': {
    when: 'an enabled immutable tag rule holds the tag: moving it to another digest, deleting it or the manifest it is on',
    check: async () => {
      await c.createProject('frozen');
      const rule = {
        action: 'immutable',
        template: 'immutable_template',
        tag_selectors: [{ kind: 'doublestar', decoration: 'matches', pattern: 'v*' }],
        scope_selectors: { repository: [{ kind: 'doublestar', decoration: 'repoMatches', pattern: '**' }] },
      };
      const created = await c.request('POST', '/api/v2.0/projects/frozen/immutabletagrules', { body: JSON.stringify(rule), headers: { 'content-type': 'application/json' } });
      assert.equal(created.status, 201);
      const first = await makeImage({ layerSizes: [8] });
      await c.pushImage('frozen/app', 'v1', first);
      const second = await makeImage({ layerSizes: [8] });
      for (const blob of [second.config, ...second.layers]) await c.pushBlob('frozen/app', blob);
      await expectError(await c.request('PUT', '/v2/frozen/app/manifests/v1', { body: second.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } }), 412, 'PRECONDITION', 'moving the immutable tag');
      await expectError(await c.request('DELETE', '/v2/frozen/app/manifests/v1'), 412, 'PRECONDITION', 'deleting the immutable tag');
      await expectError(await c.request('DELETE', `/v2/frozen/app/manifests/${first.manifest.digest}`), 412, 'PRECONDITION', 'deleting the manifest the immutable tag is on');
    },
  },
  'UNSUPPORTED 405': {
    when: 'deletes are disabled; a method the path does not support',
    check: async () => {
      const cases: [string, string, string][] = [
        ['PATCH', '/v2/errs/app/manifests/v1', 'HEAD, GET, PUT, DELETE'],
        ['OPTIONS', '/v2/errs/app/blobs/uploads/', 'POST'],
        ['PROPFIND', `/v2/errs/app/blobs/${sha256('x')}`, 'HEAD, GET, DELETE'],
        ['PUT', '/v2/errs/app/tags/list', 'GET'],
        ['POST', '/v2/_catalog', 'GET'],
        ['DELETE', '/v2/', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const response = await c.request(method, path);
        assert.equal(response.headers.get('allow'), allow, `${method} ${path}`);
        await expectError(response, 405, 'UNSUPPORTED', `${method} ${path}`);
      }
      const locked = await startTestApp({ BERTH_STORAGE_DELETE_ENABLED: 'false' });
      try {
        await locked.client.createProject('errs');
        const image = await makeImage({ layerSizes: [8] });
        await locked.client.pushImage('errs/keep', 'v1', image);
        for (const path of ['/v2/errs/keep/manifests/v1', `/v2/errs/keep/manifests/${image.manifest.digest}`, `/v2/errs/keep/blobs/${image.config.digest}`]) {
          await expectError(await locked.client.request('DELETE', path), 405, 'UNSUPPORTED', `DELETE ${path} with deletes disabled`);
        }
        assert.equal((await locked.client.request('GET', '/v2/errs/keep/manifests/v1')).status, 200, 'nothing was deleted');
      } finally {
        await locked.close();
      }
    },
  },
  'UNAUTHORIZED 401': {
    when: 'missing or wrong credentials',
    check: async () => {
      const wrong = new RegistryClient(t.url, `Basic ${Buffer.from('admin:wrong').toString('base64')}`);
      for (const [client, what] of [[new RegistryClient(t.url, null), 'no credentials'], [wrong, 'a wrong password']] as const) {
        for (const path of ['/v2/', '/v2/errs/app/tags/list']) {
          const response = await client.request('GET', path);
          assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm=/);
          await expectError(response, 401, 'UNAUTHORIZED', `${what}: ${path}`);
        }
      }
    },
  },
  'BAD_REQUEST 400': {
    when: 'a malformed `n`',
    check: async () => {
      for (const path of ['/v2/errs/app/tags/list?n=ten', '/v2/_catalog?n=-1']) await expectError(await c.request('GET', path), 400, 'BAD_REQUEST', path);
    },
  },
};

describe('every documented registry error, by status and code', () => {
  it('tests exactly the errors docs/registry-api.md lists', () => {
    const doc = readFileSync(new URL('../../../docs/registry-api.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Errors'));
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(rows.sort(), Object.keys(documentedErrors).sort());
  });

  for (const [key, { when, check }] of Object.entries(documentedErrors)) it(`${key}: ${when}`, check);
});

describe('Docker manifest lists', () => {
  it('stores a manifest list of Docker manifests, serves it as such, and pulls each child by digest', async () => {
    const amd = await makeImage({ layerSizes: [16] });
    const arm = await makeImage({ layerSizes: [16], architecture: 'arm64' });
    const children = [dockerManifest(amd), dockerManifest(arm)];
    for (const [image, manifest] of [[amd, children[0]!], [arm, children[1]!]] as const) {
      for (const blob of [image.config, ...image.layers]) await c.pushBlob('docker/multi', blob);
      assert.equal((await c.pushManifest('docker/multi', manifest.digest, manifest)).status, 201);
    }
    const list = blobOf(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: DOCKER_LIST,
          manifests: children.map((manifest, i) => descriptor(manifest, { platform: { architecture: i === 0 ? 'amd64' : 'arm64', os: 'linux' } })),
        }),
      ),
      DOCKER_LIST,
    );
    const pushed = await c.pushManifest('docker/multi', 'latest', list);
    assert.equal(pushed.status, 201);
    assert.equal(pushed.headers.get('docker-content-digest'), list.digest);

    const pulled = await c.request('GET', '/v2/docker/multi/manifests/latest', { headers: { accept: DOCKER_LIST } });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('content-type'), DOCKER_LIST);
    assert.equal(pulled.headers.get('docker-content-digest'), list.digest);
    assert.ok(Buffer.from(await pulled.arrayBuffer()).equals(list.bytes), 'the list comes back byte for byte');
    for (const child of children) {
      const response = await c.request('GET', `/v2/docker/multi/manifests/${child.digest}`, { headers: { accept: DOCKER_MANIFEST } });
      assert.equal(response.headers.get('content-type'), DOCKER_MANIFEST);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(child.bytes));
    }

    const artifact = await c.request('GET', `/api/v2.0/projects/docker/repositories/multi/artifacts/latest`);
    const body = (await artifact.json()) as { manifest_media_type: string; references: { child_digest: string; platform: { architecture: string } }[] };
    assert.equal(body.manifest_media_type, DOCKER_LIST);
    assert.deepEqual(body.references.map((r) => [r.child_digest, r.platform.architecture]).sort(), [[children[0]!.digest, 'amd64'], [children[1]!.digest, 'arm64']].sort());
    await expectError(await c.request('DELETE', `/v2/docker/multi/manifests/${children[0]!.digest}`), 409, 'DENIED', 'a child of the list');
  });

  it('refuses a manifest list naming a child the repository does not have (404 MANIFEST_UNKNOWN)', async () => {
    const stranger = dockerManifest(await makeImage({ layerSizes: [16] }));
    const list = blobOf(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DOCKER_LIST, manifests: [descriptor(stranger, { platform: { architecture: 'amd64', os: 'linux' } })] })), DOCKER_LIST);
    await expectError(await c.request('PUT', '/v2/docker/lonely/manifests/latest', { body: list.bytes, headers: { 'content-type': DOCKER_LIST } }), 404, 'MANIFEST_UNKNOWN', 'a list with a missing child');
  });
});

describe('foreign layers', () => {
  it('accepts a Docker foreign layer with urls without holding its bytes, and never serves them', async () => {
    const image = await makeImage({ layerSizes: [16] });
    for (const blob of [image.config, ...image.layers]) await c.pushBlob('docker/windows', blob);
    const foreignDigest = sha256('a Windows base layer that lives elsewhere');
    const foreign = { mediaType: DOCKER_FOREIGN, digest: foreignDigest, size: 1234, urls: [`https://mcr.microsoft.com/v2/windows/servercore/blobs/${foreignDigest}`] };
    const manifest = dockerManifest(image, [foreign]);
    const pushed = await c.pushManifest('docker/windows', 'ltsc', manifest);
    assert.equal(pushed.status, 201);
    const pulled = await c.request('GET', '/v2/docker/windows/manifests/ltsc', { headers: { accept: DOCKER_MANIFEST } });
    assert.deepEqual(JSON.parse(Buffer.from(await pulled.arrayBuffer()).toString()).layers[0], foreign, 'the layer keeps its urls for clients to fetch it');
    await expectError(await c.request('GET', `/v2/docker/windows/blobs/${foreignDigest}`), 404, 'BLOB_UNKNOWN', 'the foreign blob itself');
  });

  it('still requires a foreign layer without urls, and an ordinary layer even with urls (400 MANIFEST_BLOB_UNKNOWN)', async () => {
    const image = await makeImage({ layerSizes: [16] });
    for (const blob of [image.config, ...image.layers]) await c.pushBlob('docker/strict', blob);
    const absent = sha256('absent layer');
    const cases: [string, Record<string, unknown>][] = [
      ['a foreign layer without urls', { mediaType: DOCKER_FOREIGN, digest: absent, size: 10 }],
      ['an ordinary layer with urls', { mediaType: DOCKER_LAYER, digest: absent, size: 10, urls: ['https://example.com/layer'] }],
    ];
    for (const [what, layer] of cases) {
      const manifest = dockerManifest(image, [layer]);
      await expectError(await c.request('PUT', '/v2/docker/strict/manifests/v1', { body: manifest.bytes, headers: { 'content-type': DOCKER_MANIFEST } }), 400, 'MANIFEST_BLOB_UNKNOWN', what);
    }
  });
});
