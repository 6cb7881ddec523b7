import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { blobOf, descriptor, makeImage, makeIndex, OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, sha256 } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { waitUntil } from '../fixtures/wait.ts';

async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json()) as { errors?: { code: string }[] };
  return body.errors?.[0]?.code;
}

function rawRequest(url: string, method: string, path: string, auth: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, method, path, headers: { authorization: auth } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let t: TestApp;
let c: RegistryClient;

before(async () => {
  t = await startTestApp();
  c = t.client;
  for (const project of ['team', 'cat', 'a']) await c.createProject(project);
});
after(async () => t.close());

function tempFiles(): string[] {
  const dir = join(t.storageRoot, '.tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

function uploadsLeft(): string[] {
  const dir = join(t.storageRoot, 'uploads');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('registry base and authentication', () => {
  it('answers /v2/ with the API version header for authenticated clients', async () => {
    const response = await c.request('GET', '/v2/');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('challenges anonymous and wrong-password clients to fetch a token from the token service', async () => {
    for (const client of [new RegistryClient(t.url, null), new RegistryClient(t.url, `Basic ${Buffer.from('admin:wrong').toString('base64')}`)]) {
      const response = await client.request('GET', '/v2/');
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), `Bearer realm="${t.url}/service/token",service="harbor-registry"`);
      assert.equal(await errorCode(response), 'UNAUTHORIZED');
    }
  });
});

describe('pushing and pulling an image', () => {
  it('serves a pushed manifest by tag and digest with its media type and digest, and HEAD without a body', async () => {
    const image = await makeImage();
    await c.pushImage('team/app', 'v1', image);
    for (const reference of ['v1', image.manifest.digest]) {
      const get = await c.request('GET', `/v2/team/app/manifests/${reference}`);
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(get.headers.get('docker-content-digest'), image.manifest.digest);
      assert.deepEqual(Buffer.from(await get.arrayBuffer()), image.manifest.bytes);
      const head = await c.request('HEAD', `/v2/team/app/manifests/${reference}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(image.manifest.size));
      assert.equal((await head.arrayBuffer()).byteLength, 0);
    }
  });

  it('returns blob bytes, sizes, and byte ranges as 206 with Content-Range', async () => {
    const bytes = randomBytes(5000);
    const blob = blobOf(bytes, 'application/octet-stream');
    await c.pushBlob('team/ranges', blob);
    const head = await c.request('HEAD', `/v2/team/ranges/blobs/${blob.digest}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '5000');
    assert.equal(head.headers.get('docker-content-digest'), blob.digest);
    const whole = await c.request('GET', `/v2/team/ranges/blobs/${blob.digest}`);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes);
    const part = await c.request('GET', `/v2/team/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/5000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));
    const suffix = await c.request('GET', `/v2/team/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=-10' } });
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(4990));
    const outside = await c.request('GET', `/v2/team/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=6000-7000' } });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get('content-range'), 'bytes */5000');
    await outside.arrayBuffer();
    const malformed = await c.request('GET', `/v2/team/ranges/blobs/${blob.digest}`, { headers: { range: 'bytes=1-2,5-6' } });
    assert.equal(malformed.status, 416);
    await malformed.arrayBuffer();
  });

  it('answers a clean BLOB_UNKNOWN, not a broken download, when storage lost a blob’s bytes', async () => {
    const blob = blobOf(randomBytes(3 * 1024 * 1024), 'application/octet-stream');
    await c.pushBlob('team/lost', blob);
    const ok = await c.request('GET', `/v2/team/lost/blobs/${blob.digest}`);
    assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
    assert.deepEqual(Buffer.from(await ok.arrayBuffer()), blob.bytes);
    const hex = blob.digest.slice(7);
    rmSync(join(t.storageRoot, 'blobs', 'sha256', hex.slice(0, 2), hex), { recursive: true });
    const lost = await c.request('GET', `/v2/team/lost/blobs/${blob.digest}`);
    assert.equal(lost.status, 404);
    assert.equal(await errorCode(lost), 'BLOB_UNKNOWN');
  });

  it('keeps blobs private to the repositories they were pushed or mounted to', async () => {
    const blob = blobOf(randomBytes(100), 'application/octet-stream');
    await c.pushBlob('team/source', blob);
    const elsewhere = await c.request('HEAD', `/v2/team/other/blobs/${blob.digest}`);
    assert.equal(elsewhere.status, 404);
    const unmountable = await c.request('POST', `/v2/team/other/blobs/uploads/?mount=${blob.digest}&from=team/nowhere`);
    assert.equal(unmountable.status, 202, 'a mount from a repository without the blob falls back to an upload session');
    assert.match(unmountable.headers.get('location') ?? '', /^\/v2\/team\/other\/blobs\/uploads\/[0-9a-f-]{36}$/);
    const mounted = await c.request('POST', `/v2/team/other/blobs/uploads/?mount=${blob.digest}&from=team/source`);
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get('location'), `/v2/team/other/blobs/${blob.digest}`);
    assert.equal((await c.request('HEAD', `/v2/team/other/blobs/${blob.digest}`)).status, 200);
  });
});

describe('chunked uploads', () => {
  it('accepts ordered chunks, reports progress, and verifies the digest at the end', async () => {
    const bytes = randomBytes(3000);
    const start = await c.request('POST', '/v2/team/chunks/blobs/uploads/');
    assert.equal(start.status, 202);
    assert.equal(start.headers.get('range'), '0-0');
    const location = start.headers.get('location')!;
    const first = await c.request('PATCH', location, { body: bytes.subarray(0, 1000), headers: { 'content-range': '0-999', 'content-type': 'application/octet-stream' } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('range'), '0-999');
    const outOfOrder = await c.request('PATCH', location, { body: bytes.subarray(2000), headers: { 'content-range': '2000-2999' } });
    assert.equal(outOfOrder.status, 416);
    assert.equal(outOfOrder.headers.get('range'), '0-999');
    await outOfOrder.arrayBuffer();
    const status = await c.request('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-999');
    const second = await c.request('PATCH', location, { body: bytes.subarray(1000, 2000) });
    assert.equal(second.headers.get('range'), '0-1999');
    const done = await c.request('PUT', `${location}?digest=${sha256(bytes)}`, { body: bytes.subarray(2000) });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get('docker-content-digest'), sha256(bytes));
    const read = await c.request('GET', `/v2/team/chunks/blobs/${sha256(bytes)}`);
    assert.deepEqual(Buffer.from(await read.arrayBuffer()), bytes);
    assert.deepEqual(uploadsLeft(), []);
  });

  it('rejects a wrong digest, leaving neither the blob nor the upload behind', async () => {
    const bytes = randomBytes(2048);
    const wrong = sha256('something else');
    const monolithic = await c.request('POST', `/v2/team/bad/blobs/uploads/?digest=${wrong}`, { body: bytes });
    assert.equal(monolithic.status, 400);
    assert.equal(await errorCode(monolithic), 'DIGEST_INVALID');
    const start = await c.request('POST', '/v2/team/bad/blobs/uploads/');
    const location = start.headers.get('location')!;
    await (await c.request('PATCH', location, { body: bytes })).arrayBuffer();
    const put = await c.request('PUT', `${location}?digest=${wrong}`);
    assert.equal(put.status, 400);
    assert.equal(await errorCode(put), 'DIGEST_INVALID');
    assert.equal((await c.request('HEAD', `/v2/team/bad/blobs/${wrong}`)).status, 404);
    assert.equal((await c.request('HEAD', `/v2/team/bad/blobs/${sha256(bytes)}`)).status, 404);
    assert.equal((await c.request('GET', location)).status, 404);
    assert.deepEqual(uploadsLeft(), []);
    const rows = await t.db.selectFrom('blob').select('digest').where('digest', 'in', [wrong, sha256(bytes)]).execute();
    assert.deepEqual(rows, []);
  });

  it('records nothing of a chunk whose client disconnects mid-body, and the upload continues', async () => {
    const start = await c.request('POST', '/v2/team/aborted/blobs/uploads/');
    const location = start.headers.get('location')!;
    await new Promise<void>((resolve) => {
      const target = new URL(location, t.url);
      const req = httpRequest({ host: target.hostname, port: target.port, method: 'PATCH', path: target.pathname, headers: { authorization: c.auth!, 'content-length': String(10 * 1024 * 1024) } });
      req.on('error', () => resolve());
      req.write(randomBytes(1024 * 1024));
      // Cut off once the server is writing the chunk to a temporary file.
      void waitUntil(() => tempFiles().length > 0, 'the server writes the chunk').then(() => {
        req.destroy();
        resolve();
      });
    });
    // The server is done with the cut-off chunk once its temporary file is gone.
    await waitUntil(() => tempFiles().length === 0, 'the server discards the cut-off chunk');
    const status = await c.request('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    const bytes = randomBytes(500);
    await (await c.request('PATCH', location, { body: bytes })).arrayBuffer();
    assert.equal((await c.request('PUT', `${location}?digest=${sha256(bytes)}`)).status, 201);
    assert.deepEqual(tempFiles(), [], 'the cut-off chunk left no temporary file');
  });

  it('cancels an upload with DELETE, after which the session is unknown', async () => {
    const start = await c.request('POST', '/v2/team/cancel/blobs/uploads/');
    const location = start.headers.get('location')!;
    await (await c.request('PATCH', location, { body: randomBytes(10) })).arrayBuffer();
    assert.equal((await c.request('DELETE', location)).status, 204);
    const status = await c.request('GET', location);
    assert.equal(status.status, 404);
    assert.equal(await errorCode(status), 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(uploadsLeft(), []);
  });

  it('treats a malformed upload id or Content-Range as an error, not a crash', async () => {
    const bogus = await c.request('PATCH', '/v2/team/x/blobs/uploads/not-a-uuid', { body: 'x' });
    assert.equal(bogus.status, 404);
    assert.equal(await errorCode(bogus), 'BLOB_UPLOAD_UNKNOWN');
    const start = await c.request('POST', '/v2/team/x/blobs/uploads/');
    const range = await c.request('PATCH', start.headers.get('location')!, { body: 'abc', headers: { 'content-range': 'zero-two' } });
    assert.equal(range.status, 416);
    const mismatch = await c.request('PATCH', start.headers.get('location')!, { body: 'abc', headers: { 'content-range': '0-9' } });
    assert.equal(mismatch.status, 416);
    assert.equal((await c.request('GET', start.headers.get('location')!)).headers.get('range'), '0-0');
  });

  it('purges upload sessions idle for longer than the configured age', async () => {
    const start = await c.request('POST', '/v2/team/stale/blobs/uploads/');
    const location = start.headers.get('location')!;
    await (await c.request('PATCH', location, { body: randomBytes(100) })).arrayBuffer();
    assert.equal(await t.blobs.purgeUploads(60_000), 0, 'fresh uploads are kept');
    await sql`UPDATE upload SET updated_at = now() - interval '2 hours'`.execute(t.db);
    assert.ok((await t.blobs.purgeUploads(3_600_000)) >= 1);
    assert.equal((await c.request('GET', location)).status, 404);
    assert.deepEqual(uploadsLeft(), []);
  });
});

describe('input validation', () => {
  it('answers NAME_INVALID for repository names outside the OCI grammar', async () => {
    for (const name of ['UPPER/case', 'a..b', 'trailing-/x', 'a__b___c']) {
      const response = await c.request('GET', `/v2/${name}/tags/list`);
      assert.equal(response.status, 400, name);
      assert.equal(await errorCode(response), 'NAME_INVALID', name);
    }
  });

  it('never lets a path escape the storage root', async () => {
    for (const [path, code] of [
      ['/v2/../../etc/passwd/blobs/sha256:' + 'a'.repeat(64), 'NAME_INVALID'],
      ['/v2/a/%2e%2e/blobs/uploads/', 'NAME_INVALID'],
      ['/v2/a/blobs/sha256:..%2F..%2Fetc', 'DIGEST_INVALID'],
    ]) {
      const response = await rawRequest(t.url, 'GET', path!, c.auth!);
      assert.deepEqual([response.status, JSON.parse(response.body).errors[0].code], [400, code], `${path} → ${response.status} ${response.body}`);
    }
  });

  it('answers DIGEST_INVALID for malformed digests', async () => {
    for (const digest of ['sha256:short', 'sha256:' + 'Z'.repeat(64), 'md5:' + 'a'.repeat(32)]) {
      const response = await c.request('HEAD', `/v2/team/app/blobs/${digest}`);
      assert.equal(response.status, 400, digest);
      const get = await c.request('GET', `/v2/team/app/blobs/${digest}`);
      assert.equal(await errorCode(get), 'DIGEST_INVALID');
    }
    const post = await c.request('POST', '/v2/team/app/blobs/uploads/?digest=sha256:nope', { body: 'x' });
    assert.equal(await errorCode(post), 'DIGEST_INVALID');
  });

  it('refuses invalid manifests with MANIFEST_INVALID and stores nothing', async () => {
    const image = await makeImage({ layerSizes: [10] });
    for (const blob of [image.config, ...image.layers]) await c.pushBlob('team/invalid', blob);
    const cases: [string, string][] = [
      ['{not json', OCI_MANIFEST],
      ['[]', OCI_MANIFEST],
      [JSON.stringify({ schemaVersion: 1, name: 'x' }), 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
      [JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }), OCI_MANIFEST],
      [JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: 'sha256:bad', size: 1 }, layers: [] }), OCI_MANIFEST],
      [JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(image.config), layers: [{ ...descriptor(image.layers[0]!), size: -1 }] }), OCI_MANIFEST],
    ];
    for (const [body, type] of cases) {
      const response = await c.request('PUT', '/v2/team/invalid/manifests/bad', { body, headers: { 'content-type': type } });
      assert.equal(response.status, 400, body);
      assert.equal(await errorCode(response), 'MANIFEST_INVALID', body);
    }
    const count = await t.db.selectFrom('artifact').innerJoin('repository', 'repository.id', 'artifact.repositoryId').select('artifact.id').where('repository.name', '=', 'team/invalid').execute();
    assert.equal(count.length, 0);
  });

  it('refuses manifests whose blobs or child manifests are not in the repository', async () => {
    const image = await makeImage({ layerSizes: [10] });
    await c.pushBlob('team/refs', image.config);
    const missingLayer = await c.pushManifest('team/refs', 'v1', image.manifest);
    assert.equal(missingLayer.status, 400);
    const retry = await c.request('PUT', '/v2/team/refs/manifests/v1', { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(await errorCode(retry), 'MANIFEST_BLOB_UNKNOWN');
    const index = makeIndex([{ image, architecture: 'amd64' }]);
    const missingChild = await c.request('PUT', '/v2/team/refs/manifests/multi', { body: index.bytes, headers: { 'content-type': OCI_INDEX } });
    assert.equal(missingChild.status, 404);
    assert.equal(await errorCode(missingChild), 'MANIFEST_UNKNOWN');
    assert.equal((await c.request('GET', '/v2/team/refs/manifests/v1')).status, 404);
  });

  it('refuses a manifest pushed by a digest that does not match its body', async () => {
    const image = await makeImage({ layerSizes: [10] });
    for (const blob of [image.config, ...image.layers]) await c.pushBlob('team/digest', blob);
    const response = await c.request('PUT', `/v2/team/digest/manifests/${sha256('other')}`, { body: image.manifest.bytes, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(response.status, 400);
    assert.equal(await errorCode(response), 'DIGEST_INVALID');
  });

  it('refuses manifests over 4 MiB with 413', async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
    const response = await c.request('PUT', '/v2/team/huge/manifests/v1', { body: huge, headers: { 'content-type': OCI_MANIFEST } });
    assert.equal(response.status, 413);
  });

  it('answers 404 for tags that cannot exist and a clear 400 for a bad page size', async () => {
    assert.equal((await c.request('GET', '/v2/team/app/manifests/.INVALID')).status, 404);
    const response = await c.request('GET', '/v2/team/app/tags/list?n=abc');
    assert.equal(response.status, 400);
  });
});

describe('listing', () => {
  it('pages tags in byte order with n, last and a Link header, clamping n', async () => {
    const image = await makeImage({ layerSizes: [10] });
    const tags = ['b', 'A', 'a', 'c-1', 'c', '_x', 'Z9'];
    await c.pushImage('team/tags', tags[0]!, image);
    for (const tag of tags.slice(1)) await c.pushManifest('team/tags', tag, image.manifest);
    const sorted = [...tags].sort();
    const all = await c.request('GET', '/v2/team/tags/tags/list');
    assert.deepEqual(await all.json(), { name: 'team/tags', tags: sorted });
    const seen: string[] = [];
    let next: string | undefined = '/v2/team/tags/tags/list?n=3';
    while (next) {
      const page: Response = await c.request('GET', next);
      const body = (await page.json()) as { tags: string[] };
      assert.ok(body.tags.length <= 3);
      seen.push(...body.tags);
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    assert.deepEqual(seen, sorted);
    const clamped = await c.request('GET', '/v2/team/tags/tags/list?n=999999999');
    assert.equal(((await clamped.json()) as { tags: string[] }).tags.length, tags.length);
    const unknown = await c.request('GET', '/v2/team/none/tags/list');
    assert.equal(unknown.status, 404);
    assert.equal(await errorCode(unknown), 'NAME_UNKNOWN');
  });

  it('lists repositories with manifests in the catalog, paged', async () => {
    const image = await makeImage({ layerSizes: [10] });
    for (const name of ['cat/b', 'cat/a', 'cat/c']) await c.pushImage(name, 'v1', image);
    const names: string[] = [];
    let next: string | undefined = '/v2/_catalog?n=2';
    while (next) {
      const page: Response = await c.request('GET', next);
      names.push(...((await page.json()) as { repositories: string[] }).repositories);
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    assert.deepEqual(names.filter((n) => n.startsWith('cat/')), ['cat/a', 'cat/b', 'cat/c']);
    assert.ok(!names.includes('team/chunks'), 'repositories with only blobs are not listed');
  });
});

describe('referrers', () => {
  it('lists manifests whose subject is a digest, with artifactType filtering and the OCI-Subject header', async () => {
    const image = await makeImage({ layerSizes: [10] });
    await c.pushImage('team/signed', 'v1', image);
    const empty = blobOf(Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
    await c.pushBlob('team/signed', empty);
    const signature = blobOf(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.sig', config: descriptor(empty), layers: [descriptor(empty)], subject: descriptor(image.manifest), annotations: { who: 'ci' } })),
      OCI_MANIFEST,
    );
    const sbom = blobOf(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { ...descriptor(empty), mediaType: 'application/vnd.example.sbom' }, layers: [descriptor(empty)], subject: descriptor(image.manifest) })),
      OCI_MANIFEST,
    );
    for (const artifact of [signature, sbom]) {
      const response = await c.pushManifest('team/signed', artifact.digest, artifact);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('oci-subject'), image.manifest.digest);
    }
    const all = await c.request('GET', `/v2/team/signed/referrers/${image.manifest.digest}`);
    assert.equal(all.headers.get('content-type'), OCI_INDEX);
    const body = (await all.json()) as { manifests: { digest: string; artifactType: string; annotations?: Record<string, string> }[] };
    assert.deepEqual(body.manifests.map((m) => [m.digest, m.artifactType]).sort(), [[signature.digest, 'application/vnd.example.sig'], [sbom.digest, 'application/vnd.example.sbom']].sort());
    assert.deepEqual(body.manifests.find((m) => m.digest === signature.digest)?.annotations, { who: 'ci' });
    const filtered = await c.request('GET', `/v2/team/signed/referrers/${image.manifest.digest}?artifactType=application/vnd.example.sbom`);
    assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
    assert.deepEqual(((await filtered.json()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), [sbom.digest]);
    const none = await c.request('GET', `/v2/team/signed/referrers/${sha256('nothing')}`);
    assert.equal(none.status, 200);
    assert.deepEqual(((await none.json()) as { manifests: unknown[] }).manifests, []);
  });
});

describe('deleting', () => {
  it('deletes a tag alone, or a manifest with its tags, and refuses to delete an index child', async () => {
    const amd = await makeImage({ layerSizes: [10] });
    const arm = await makeImage({ layerSizes: [10], architecture: 'arm64' });
    await c.pushImage('team/del', amd.manifest.digest, amd);
    await c.pushImage('team/del', arm.manifest.digest, arm);
    const index = makeIndex([{ image: amd, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]);
    assert.equal((await c.pushManifest('team/del', 'multi', index)).status, 201);
    await c.pushManifest('team/del', 'alias', index);
    assert.equal((await c.request('DELETE', '/v2/team/del/manifests/alias')).status, 202);
    assert.equal((await c.request('GET', '/v2/team/del/manifests/alias')).status, 404);
    assert.equal((await c.request('GET', '/v2/team/del/manifests/multi')).status, 200);
    const child = await c.request('DELETE', `/v2/team/del/manifests/${amd.manifest.digest}`);
    assert.equal(child.status, 409);
    assert.equal((await c.request('DELETE', `/v2/team/del/manifests/${index.digest}`)).status, 202);
    assert.equal((await c.request('GET', '/v2/team/del/manifests/multi')).status, 404);
    assert.equal((await c.request('DELETE', `/v2/team/del/manifests/${amd.manifest.digest}`)).status, 202);
    assert.equal((await c.request('DELETE', `/v2/team/del/manifests/${amd.manifest.digest}`)).status, 404);
    assert.equal((await c.request('DELETE', `/v2/team/del/blobs/${amd.config.digest}`)).status, 202);
    const gone = await c.request('GET', `/v2/team/del/blobs/${amd.config.digest}`);
    assert.equal(await errorCode(gone), 'BLOB_UNKNOWN');
  });
});
