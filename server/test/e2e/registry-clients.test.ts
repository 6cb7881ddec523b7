import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { blobOf, imageBlobs, makeImage, makeIndex, OCI_INDEX, OCI_MANIFEST, readOciLayout, sha256, writeOciLayout, type Blob, type Image } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';
import { ADMIN_CREDS, createContainerTools, curl, errorCode, nextLink, requireTools, type ContainerTools, type CurlResponse } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';

/**
 * The registry as its users reach it: skopeo, podman, buildah and curl
 * against a real `berth serve` process, once on filesystem storage and once
 * on S3. Every case is written once (registryClientCases) and run for both.
 */

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const TEST_TIMEOUT = 120_000;

interface Suite {
  berth: BerthProcess;
  tools: ContainerTools;
}

interface ManifestJson {
  mediaType?: string;
  config: { mediaType: string; digest: string; size: number };
  layers: { mediaType: string; digest: string; size: number }[];
}

interface ConfigJson {
  architecture: string;
  os: string;
  config?: { Labels?: Record<string, string> };
  rootfs: { diff_ids: string[] };
}

function parseJson<T>(bytes: Buffer | string): T {
  return JSON.parse(bytes.toString()) as T;
}

async function tarEntries(tarBytes: Buffer): Promise<Map<string, Buffer>> {
  const entries = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') entries.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([tarBytes]).pipe(extract);
  await done;
  return entries;
}

function registryClientCases(suite: Suite): void {
  const docker = (repository: string, tag: string) => `docker://${suite.berth.host}/${repository}:${tag}`;
  const pushFlags = ['--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS];
  const pullFlags = ['--src-tls-verify=false', '--src-creds', ADMIN_CREDS];
  const readFlags = ['--tls-verify=false', '--creds', ADMIN_CREDS];

  const layoutWith = (blobs: Blob[], entries: Record<string, Blob>) => {
    const dir = suite.tools.tempDir('layout');
    writeOciLayout(dir, blobs, entries);
    return dir;
  };

  const pushWithSkopeo = async (image: Image, repository: string, tag: string, format: 'oci' | 'v2s2' = 'oci') => {
    const layout = layoutWith(imageBlobs(image), { src: image.manifest });
    await suite.tools.skopeo(['copy', '-q', '--format', format, ...pushFlags, `oci:${layout}:src`, docker(repository, tag)]);
  };

  const assertBlobAbsent = async (repository: string, digest: string, message: string) => {
    const head = await curl(suite.berth, 'HEAD', `/v2/${repository}/blobs/${digest}`);
    assert.equal(head.status, 404, `HEAD ${message}`);
    const get = await curl(suite.berth, 'GET', `/v2/${repository}/blobs/${digest}`);
    assert.equal(get.status, 404, `GET ${message}`);
    assert.equal(errorCode(get), 'BLOB_UNKNOWN', `GET ${message}`);
  };

  const assertBlob = async (repository: string, digest: string, bytes: Buffer) => {
    const get = await curl(suite.berth, 'GET', `/v2/${repository}/blobs/${digest}`);
    assert.equal(get.status, 200, `GET ${repository}@${digest}: ${get.body.toString()}`);
    assert.equal(get.headers.get('docker-content-digest'), digest);
    assert.ok(get.body.equals(bytes), `blob ${digest} in ${repository} has different bytes`);
  };

  // skopeo

  it('skopeo copies an OCI image in and back out byte-for-byte (manifest, config, every layer)', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [4 * 1024, 300 * 1024, 16] });
    const layout = layoutWith(imageBlobs(image), { v1: image.manifest });
    await suite.tools.skopeo(['copy', '-q', '--format', 'oci', ...pushFlags, `oci:${layout}:v1`, docker('clients/oci', 'v1')]);

    const stored = await curl(suite.berth, 'GET', '/v2/clients/oci/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(stored.status, 200);
    assert.equal(stored.headers.get('content-type'), OCI_MANIFEST);
    assert.equal(stored.headers.get('docker-content-digest'), image.manifest.digest);
    assert.ok(stored.body.equals(image.manifest.bytes), 'Berth serves the manifest bytes skopeo pushed');

    const back = suite.tools.tempDir('oci-back');
    await suite.tools.skopeo(['copy', '-q', ...pullFlags, docker('clients/oci', 'v1'), `oci:${back}:copied`]);
    const copied = readOciLayout(back);
    assert.equal(copied.entry('copied')?.digest, image.manifest.digest);
    assert.deepEqual(copied.digests(), imageBlobs(image).map((b) => b.digest).sort());
    for (const blob of imageBlobs(image)) assert.ok(copied.blob(blob.digest).equals(blob.bytes), `${blob.mediaType} ${blob.digest} differs after the round trip`);
  });

  it('skopeo --format v2s2 stores a Docker schema 2 manifest, served as such, whose layers come back unchanged', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [2 * 1024, 64 * 1024] });
    await pushWithSkopeo(image, 'clients/docker', 'v1', 'v2s2');

    for (const method of ['GET', 'HEAD']) {
      const stored = await curl(suite.berth, method, '/v2/clients/docker/manifests/v1', { headers: { Accept: `${DOCKER_MANIFEST}, ${OCI_MANIFEST}` } });
      assert.equal(stored.status, 200, method);
      assert.equal(stored.headers.get('content-type'), DOCKER_MANIFEST, method);
    }
    const stored = await curl(suite.berth, 'GET', '/v2/clients/docker/manifests/v1', { headers: { Accept: DOCKER_MANIFEST } });
    const manifest = stored.json<ManifestJson>();
    assert.equal(manifest.mediaType, DOCKER_MANIFEST);
    assert.deepEqual(
      manifest.layers.map((l) => [l.mediaType, l.digest]),
      image.layers.map((l) => [DOCKER_LAYER, l.digest]),
    );
    assert.equal(stored.headers.get('docker-content-digest'), sha256(stored.body));

    // dir: keeps the manifest as the registry has it (no conversion back to OCI).
    const back = suite.tools.tempDir('docker-back');
    await suite.tools.skopeo(['copy', '-q', ...pullFlags, docker('clients/docker', 'v1'), `dir:${back}`]);
    assert.ok(readFileSync(join(back, 'manifest.json')).equals(stored.body), 'copied manifest is the stored schema 2 manifest');
    for (const blob of [image.config, ...image.layers]) {
      assert.ok(readFileSync(join(back, blob.digest.slice('sha256:'.length))).equals(blob.bytes), `${blob.digest} differs after the round trip`);
    }
  });

  it('skopeo --all copies a multi-arch index with every platform, shown by inspect --raw and list-tags, and back', { timeout: TEST_TIMEOUT }, async () => {
    const amd64 = await makeImage({ layerSizes: [8 * 1024], architecture: 'amd64' });
    const arm64 = await makeImage({ layerSizes: [4 * 1024, 2 * 1024], architecture: 'arm64' });
    const index = makeIndex([
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ]);
    const all = [...imageBlobs(amd64), ...imageBlobs(arm64), index];
    const layout = layoutWith(all, { multi: index });
    for (const tag of ['v1', 'latest']) await suite.tools.skopeo(['copy', '-q', '--all', ...pushFlags, `oci:${layout}:multi`, docker('clients/multiarch', tag)]);

    const raw = await suite.tools.skopeo(['inspect', '--raw', ...readFlags, docker('clients/multiarch', 'v1')]);
    assert.equal(raw.stdout, index.bytes.toString(), 'inspect --raw shows the index as pushed');
    const served = await curl(suite.berth, 'GET', '/v2/clients/multiarch/manifests/v1', { headers: { Accept: OCI_INDEX } });
    assert.equal(served.headers.get('content-type'), OCI_INDEX);
    for (const child of [amd64, arm64]) {
      const byDigest = await curl(suite.berth, 'GET', `/v2/clients/multiarch/manifests/${child.manifest.digest}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(byDigest.status, 200);
      assert.ok(byDigest.body.equals(child.manifest.bytes));
    }

    const tags = await suite.tools.skopeo(['list-tags', ...readFlags, `docker://${suite.berth.host}/clients/multiarch`]);
    assert.deepEqual(parseJson<{ Tags: string[] }>(tags.stdout).Tags, ['latest', 'v1']);

    const back = suite.tools.tempDir('multiarch-back');
    await suite.tools.skopeo(['copy', '-q', '--all', ...pullFlags, docker('clients/multiarch', 'v1'), `oci:${back}:v1`]);
    const copied = readOciLayout(back);
    assert.equal(copied.entry('v1')?.digest, index.digest);
    assert.deepEqual(copied.digests(), all.map((b) => b.digest).sort());
    for (const blob of all) assert.ok(copied.blob(blob.digest).equals(blob.bytes), `${blob.mediaType} ${blob.digest} differs after the round trip`);

    // A single-platform pull resolves the index to that platform's manifest.
    const one = suite.tools.tempDir('multiarch-arm64');
    await suite.tools.skopeo(['--override-arch', 'arm64', '--override-os', 'linux', 'copy', '-q', ...pullFlags, docker('clients/multiarch', 'latest'), `dir:${one}`]);
    assert.ok(readFileSync(join(one, 'manifest.json')).equals(arm64.manifest.bytes), 'the arm64 child manifest');
  });

  it('skopeo delete removes a tag’s manifest: pulling it fails and the registry answers 404 MANIFEST_UNKNOWN', { timeout: TEST_TIMEOUT }, async () => {
    const doomed = await makeImage({ layerSizes: [1024] });
    const kept = await makeImage({ layerSizes: [1024] });
    await pushWithSkopeo(doomed, 'clients/delete', 'doomed');
    await pushWithSkopeo(kept, 'clients/delete', 'kept');

    await suite.tools.skopeo(['delete', ...readFlags, docker('clients/delete', 'doomed')]);

    const pull = await suite.tools.skopeo(['copy', '-q', ...pullFlags, docker('clients/delete', 'doomed'), `dir:${suite.tools.tempDir('deleted')}`], { check: false });
    assertRefused(pull, REFUSAL.manifestUnknown, 'pulling a deleted manifest');
    for (const reference of ['doomed', doomed.manifest.digest]) {
      const response = await curl(suite.berth, 'GET', `/v2/clients/delete/manifests/${reference}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(response.status, 404, reference);
      assert.equal(errorCode(response), 'MANIFEST_UNKNOWN', reference);
    }

    const inspectKept = await suite.tools.skopeo(['inspect', '--raw', ...readFlags, docker('clients/delete', 'kept')]);
    assert.equal(inspectKept.stdout, kept.manifest.bytes.toString(), 'the other tag in the repository is untouched');
    const tags = await suite.tools.skopeo(['list-tags', ...readFlags, `docker://${suite.berth.host}/clients/delete`]);
    assert.deepEqual(parseJson<{ Tags: string[] }>(tags.stdout).Tags, ['kept']);
  });

  // podman and buildah

  it('podman pulls an image skopeo pushed and pushes it under a new repository name that skopeo then sees', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [16 * 1024, 4 * 1024] });
    const originalConfig = parseJson<ConfigJson>(image.config.bytes);
    await pushWithSkopeo(image, 'clients/podman-source', 'v1');
    const source = `${suite.berth.host}/clients/podman-source:v1`;

    const pull = await suite.tools.podman(['pull', '-q', '--tls-verify=false', '--creds', ADMIN_CREDS, source]);
    assert.equal(pull.stdout.trim(), image.config.digest.slice('sha256:'.length), 'podman’s image id is the config digest');

    await suite.tools.podman(['push', '-q', '--tls-verify=false', '--creds', ADMIN_CREDS, source, `docker://${suite.berth.host}/clients/podman-copy:pushed`]);

    const inspect = parseJson<{ RepoTags: string[]; Architecture: string; Os: string; Layers: string[] }>(
      (await suite.tools.skopeo(['inspect', ...readFlags, docker('clients/podman-copy', 'pushed')])).stdout,
    );
    assert.deepEqual(inspect.RepoTags, ['pushed']);
    assert.equal(inspect.Architecture, 'amd64');
    assert.equal(inspect.Os, 'linux');
    assert.equal(inspect.Layers.length, image.layers.length);

    // podman may recompress layers; what must survive is the config and each layer's uncompressed content.
    const back = suite.tools.tempDir('podman-back');
    await suite.tools.skopeo(['copy', '-q', ...pullFlags, docker('clients/podman-copy', 'pushed'), `dir:${back}`]);
    const manifest = parseJson<ManifestJson>(readFileSync(join(back, 'manifest.json')));
    assert.equal(manifest.config.digest, image.config.digest);
    const diffIds = manifest.layers.map((layer) => sha256(gunzipSync(readFileSync(join(back, layer.digest.slice('sha256:'.length))))));
    assert.deepEqual(diffIds, originalConfig.rootfs.diff_ids);
  });

  it('podman login keeps the admin credentials for later pulls, refusing a wrong password; anonymous clients are refused', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [1024] });
    await pushWithSkopeo(image, 'clients/login', 'v1');
    const host = suite.berth.host;
    const authfile = join(suite.tools.tempDir('login'), 'auth.json');

    const wrong = await suite.tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', 'admin', '-p', 'not-the-password', host], { check: false });
    assertRefused(wrong, REFUSAL.badCredentials, 'login with a wrong password');

    const login = await suite.tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', 'admin', '-p', ADMIN_CREDS.slice('admin:'.length), host]);
    assert.match(login.stdout, /Login Succeeded/);
    const pull = await suite.tools.podman(['pull', '-q', '--authfile', authfile, '--tls-verify=false', `${host}/clients/login:v1`]);
    assert.equal(pull.stdout.trim(), image.config.digest.slice('sha256:'.length));

    const anonymous = await suite.tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--no-creds', docker('clients/login', 'v1')], { check: false });
    assertRefused(anonymous, REFUSAL.insufficientScope, 'an anonymous pull');
  });

  it('buildah builds an image from scratch with a file, pushes it, and skopeo copies it back with the file intact', { timeout: TEST_TIMEOUT }, async () => {
    const context = suite.tools.tempDir('buildah-context');
    const content = `hello from berth ${randomBytes(16).toString('hex')}\n`;
    writeFileSync(join(context, 'hello.txt'), content);

    const container = (await suite.tools.buildah(['from', '-q', 'scratch'])).stdout.trim();
    assert.ok(container, 'buildah from printed a container name');
    try {
      await suite.tools.buildah(['copy', container, join(context, 'hello.txt'), '/hello.txt']);
      await suite.tools.buildah(['config', '--os', 'linux', '--arch', 'amd64', '--cmd', '/hello.txt', '--label', 'org.example.berth=e2e', container]);
      await suite.tools.buildah(['commit', '-q', container, 'berth-e2e-built:latest']);
    } finally {
      await suite.tools.buildah(['rm', container], { check: false });
    }
    await suite.tools.buildah(['push', '-q', '--tls-verify=false', '--creds', ADMIN_CREDS, 'berth-e2e-built:latest', docker('clients/buildah', 'v1')]);

    const back = suite.tools.tempDir('buildah-back');
    await suite.tools.skopeo(['copy', '-q', ...pullFlags, docker('clients/buildah', 'v1'), `oci:${back}:v1`]);
    const layout = readOciLayout(back);
    const manifest = parseJson<ManifestJson>(layout.blob(layout.entry('v1')!.digest));
    const config = parseJson<ConfigJson>(layout.blob(manifest.config.digest));
    assert.equal(manifest.layers.length, 1);
    assert.equal(config.config?.Labels?.['org.example.berth'], 'e2e');
    const layerTar = gunzipSync(layout.blob(manifest.layers[0]!.digest));
    assert.deepEqual(config.rootfs.diff_ids, [sha256(layerTar)]);
    const files = await tarEntries(layerTar);
    assert.equal(files.get('hello.txt')?.toString(), content);
  });

  // The raw protocol, with curl

  it('curl: a monolithic POST ?digest= upload creates the blob, readable at its Location', { timeout: TEST_TIMEOUT }, async () => {
    const bytes = randomBytes(70 * 1024);
    const digest = sha256(bytes);
    const post = await curl(suite.berth, 'POST', `/v2/curl/monolithic/blobs/uploads/?digest=${digest}`, { body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(post.status, 201, post.body.toString());
    assert.equal(post.headers.get('docker-content-digest'), digest);
    assert.equal(post.headers.get('location'), `/v2/curl/monolithic/blobs/${digest}`);
    const head = await curl(suite.berth, 'HEAD', post.headers.get('location')!);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));
    await assertBlob('curl/monolithic', digest, bytes);
  });

  it('curl: a chunked upload (POST, PATCH with Content-Range, PUT ?digest=) stores the chunks in order', { timeout: TEST_TIMEOUT }, async () => {
    const bytes = randomBytes(150 * 1024 + 7);
    const digest = sha256(bytes);
    const post = await curl(suite.berth, 'POST', '/v2/curl/chunked/blobs/uploads/');
    assert.equal(post.status, 202);
    assert.ok(post.headers.get('docker-upload-uuid'));
    let location = post.headers.get('location')!;
    assert.ok(location, 'POST answers with the upload Location');

    const cuts = [0, 64 * 1024, 128 * 1024, bytes.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const [start, end] = [cuts[i]!, cuts[i + 1]!];
      const patch = await curl(suite.berth, 'PATCH', location, {
        body: bytes.subarray(start, end),
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${start}-${end - 1}` },
      });
      assert.equal(patch.status, 202, patch.body.toString());
      assert.equal(patch.headers.get('range'), `0-${end - 1}`);
      location = patch.headers.get('location')!;
    }
    const status = await curl(suite.berth, 'GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), `0-${bytes.length - 1}`);

    const put = await curl(suite.berth, 'PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`, { headers: { 'Content-Length': '0' } });
    assert.equal(put.status, 201, put.body.toString());
    assert.equal(put.headers.get('docker-content-digest'), digest);
    assert.equal(put.headers.get('location'), `/v2/curl/chunked/blobs/${digest}`);
    await assertBlob('curl/chunked', digest, bytes);
  });

  it('curl: an out-of-order chunk is refused with 416 and the Range received so far, and the upload can continue', { timeout: TEST_TIMEOUT }, async () => {
    const bytes = randomBytes(300);
    const post = await curl(suite.berth, 'POST', '/v2/curl/out-of-order/blobs/uploads/');
    const location = post.headers.get('location')!;
    const first = await curl(suite.berth, 'PATCH', location, { body: bytes.subarray(0, 100), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '0-99' } });
    assert.equal(first.status, 202);

    const skipped = await curl(suite.berth, 'PATCH', location, { body: bytes.subarray(200, 300), headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '200-299' } });
    assert.equal(skipped.status, 416);
    assert.equal(skipped.headers.get('range'), '0-99', 'the 416 tells the client what the server holds');
    assert.ok(skipped.headers.get('location'), 'and where to resume');

    const resumed = await curl(suite.berth, 'PATCH', skipped.headers.get('location')!, {
      body: bytes.subarray(100, 300),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': '100-299' },
    });
    assert.equal(resumed.status, 202);
    assert.equal(resumed.headers.get('range'), '0-299');
    const put = await curl(suite.berth, 'PUT', `${resumed.headers.get('location')!}?digest=${sha256(bytes)}`, { headers: { 'Content-Length': '0' } });
    assert.equal(put.status, 201, put.body.toString());
    await assertBlob('curl/out-of-order', sha256(bytes), bytes);
  });

  it('curl: an upload finished with the wrong digest is refused with 400 DIGEST_INVALID and no blob becomes visible', { timeout: TEST_TIMEOUT }, async () => {
    const bytes = randomBytes(4096);
    const claimed = sha256(randomBytes(4096));

    const post = await curl(suite.berth, 'POST', '/v2/curl/bad-digest/blobs/uploads/');
    const patch = await curl(suite.berth, 'PATCH', post.headers.get('location')!, { body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `0-${bytes.length - 1}` } });
    assert.equal(patch.status, 202);
    const put = await curl(suite.berth, 'PUT', `${patch.headers.get('location')!}?digest=${claimed}`, { headers: { 'Content-Length': '0' } });
    assert.equal(put.status, 400);
    assert.equal(errorCode(put), 'DIGEST_INVALID');

    const monolithic = await curl(suite.berth, 'POST', `/v2/curl/bad-digest/blobs/uploads/?digest=${claimed}`, { body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(monolithic.status, 400);
    assert.equal(errorCode(monolithic), 'DIGEST_INVALID');

    await assertBlobAbsent('curl/bad-digest', claimed, 'the claimed digest');
    await assertBlobAbsent('curl/bad-digest', sha256(bytes), 'the digest of the bytes sent');
  });

  it('curl: GET with Range: bytes=10-19 answers 206 with exactly those 10 bytes and Content-Range', { timeout: TEST_TIMEOUT }, async () => {
    const bytes = randomBytes(1000);
    const digest = sha256(bytes);
    await new RegistryClient(suite.berth.url).pushBlob('curl/range', blobOf(bytes, 'application/octet-stream'));
    const response = await curl(suite.berth, 'GET', `/v2/curl/range/blobs/${digest}`, { headers: { Range: 'bytes=10-19' } });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get('content-range'), `bytes 10-19/${bytes.length}`);
    assert.equal(response.headers.get('content-length'), '10');
    assert.ok(response.body.equals(bytes.subarray(10, 20)), `got ${response.body.toString('hex')}, want ${bytes.subarray(10, 20).toString('hex')}`);
  });

  it('curl: a cross-repository mount links an existing blob (201), and a blob never pushed to or mounted into a repository is 404 BLOB_UNKNOWN there', { timeout: TEST_TIMEOUT }, async () => {
    const client = new RegistryClient(suite.berth.url);
    const shared = blobOf(randomBytes(2048), 'application/octet-stream');
    const elsewhere = blobOf(randomBytes(2048), 'application/octet-stream');
    await client.pushBlob('curl/mount-source', shared);
    await client.pushBlob('curl/mount-elsewhere', elsewhere);

    const mount = await curl(suite.berth, 'POST', `/v2/curl/mount-target/blobs/uploads/?mount=${shared.digest}&from=curl/mount-source`);
    assert.equal(mount.status, 201, mount.body.toString());
    assert.equal(mount.headers.get('location'), `/v2/curl/mount-target/blobs/${shared.digest}`);
    assert.equal(mount.headers.get('docker-content-digest'), shared.digest);
    await assertBlob('curl/mount-target', shared.digest, shared.bytes);

    await assertBlobAbsent('curl/mount-target', elsewhere.digest, 'a blob pushed only to another repository');
    // Naming a source that does not hold the blob must not link it: the spec's fallback is a plain upload session.
    const refused = await curl(suite.berth, 'POST', `/v2/curl/mount-target/blobs/uploads/?mount=${elsewhere.digest}&from=curl/mount-source`);
    assert.equal(refused.status, 202);
    assert.ok(refused.headers.get('location'));
    await assertBlobAbsent('curl/mount-target', elsewhere.digest, 'after a mount from a repository without it');
    await assertBlob('curl/mount-elsewhere', elsewhere.digest, elsewhere.bytes);
  });

  it('skopeo, a token client, copies an image between two projects by mounting its layers (201), not uploading them again', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [2048, 4096] });
    // The push records where the layers live in skopeo's blob-info cache, which is what makes it try mounts.
    await pushWithSkopeo(image, 'clients/mount-source', 'v1');
    const copy = await suite.tools.skopeo(['--debug', 'copy', ...pullFlags, ...pushFlags, docker('clients/mount-source', 'v1'), docker('curl/mount-copy', 'v1')]);
    // skopeo copies layers in parallel, so its log interleaves attempts and results: every attempt must succeed.
    const attempts = [...copy.stderr.matchAll(/Trying to mount \/v2\/curl\/mount-copy\/blobs\/uploads\/\?from=clients%2Fmount-source&mount=(sha256%3A[0-9a-f]{64})/g)].map((m) => decodeURIComponent(m[1]!));
    const log = copy.stderr.split('\n').filter((line) => /mount|POST|PUT/i.test(line)).join('\n');
    assert.equal(copy.stderr.split('... mount OK').length - 1, attempts.length, `every mount attempt succeeded:\n${log}`);
    for (const layer of image.layers) {
      assert.ok(attempts.includes(layer.digest), `skopeo mounted ${layer.digest}:\n${log}`);
      assert.ok(!copy.stderr.includes(`digest=${encodeURIComponent(layer.digest)}`), `skopeo did not upload ${layer.digest} again`);
      await assertBlob('curl/mount-copy', layer.digest, layer.bytes);
    }
  });

  it('curl, following the token challenge: a mount asks for both scopes, one token holds them, and the blob is mounted (201)', { timeout: TEST_TIMEOUT }, async () => {
    const blob = blobOf(randomBytes(2048), 'application/octet-stream');
    await new RegistryClient(suite.berth.url).pushBlob('clients/mount-token-source', blob);
    const path = `/v2/curl/mount-token/blobs/uploads/?mount=${blob.digest}&from=clients/mount-token-source`;
    const challenge = await curl(suite.berth, 'POST', path, { anonymous: true });
    assert.equal(challenge.status, 401);
    const scope = /scope="([^"]*)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
    assert.equal(scope, 'repository:curl/mount-token:pull,push repository:clients/mount-token-source:pull');
    const issued = await curl(suite.berth, 'GET', `/service/token?${new URLSearchParams({ service: 'harbor-registry', scope: scope! })}`);
    assert.equal(issued.status, 200);
    const mount = await curl(suite.berth, 'POST', path, { anonymous: true, headers: { Authorization: `Bearer ${issued.json<{ token: string }>().token}` } });
    assert.equal(mount.status, 201, mount.body.toString());
    assert.equal(mount.headers.get('location'), `/v2/curl/mount-token/blobs/${blob.digest}`);
    assert.equal(mount.headers.get('docker-content-digest'), blob.digest);
    await assertBlob('curl/mount-token', blob.digest, blob.bytes);
  });

  it('curl: the tag list pages with n and last, following Link, to every tag in byte order', { timeout: TEST_TIMEOUT }, async () => {
    const client = new RegistryClient(suite.berth.url);
    const image = await makeImage({ layerSizes: [64] });
    const tags = ['v1', 'v10', 'v2', 'latest', 'Latest', '1.0', '1.0-rc1', '1.0.1', '_internal', 'a-b', 'a.b', 'a_b', 'Z'];
    for (const blob of [image.config, ...image.layers]) await client.pushBlob('curl/tags', blob);
    for (const tag of tags) assert.equal((await client.pushManifest('curl/tags', tag, image.manifest)).status, 201);
    const sorted = [...tags].sort();

    const full = await curl(suite.berth, 'GET', '/v2/curl/tags/tags/list');
    assert.deepEqual(full.json(), { name: 'curl/tags', tags: sorted });
    assert.equal(full.headers.get('link'), undefined);

    for (const n of [5, 4, 1]) {
      const seen: string[] = [];
      let url: string | undefined = `/v2/curl/tags/tags/list?n=${n}`;
      let pages = 0;
      while (url) {
        const page: CurlResponse = await curl(suite.berth, 'GET', url);
        assert.equal(page.status, 200);
        const body = page.json<{ name: string; tags: string[] }>();
        assert.equal(body.name, 'curl/tags');
        assert.ok(body.tags.length <= n, `page of ${body.tags.length} > n=${n}`);
        seen.push(...body.tags);
        url = nextLink(page);
        assert.ok(++pages <= tags.length + 1, 'paging terminates');
      }
      assert.deepEqual(seen, sorted, `n=${n}`);
    }

    const afterLast = await curl(suite.berth, 'GET', `/v2/curl/tags/tags/list?n=3&last=${encodeURIComponent('a-b')}`);
    assert.deepEqual(afterLast.json<{ tags: string[] }>().tags, sorted.slice(sorted.indexOf('a-b') + 1, sorted.indexOf('a-b') + 4));
  });

  it('curl: _catalog pages with n and last, following Link, to every repository in byte order', { timeout: TEST_TIMEOUT }, async () => {
    const client = new RegistryClient(suite.berth.url);
    const image = await makeImage({ layerSizes: [64] });
    const names = ['catalog/b', 'catalog/a', 'catalog/a-b', 'catalog/a/b', 'catalog/a.b', 'catalog/a_b', 'catalog/c'];
    for (const name of names) await client.pushImage(name, 'v1', image);

    const full = await curl(suite.berth, 'GET', '/v2/_catalog');
    assert.equal(full.status, 200);
    const everything = full.json<{ repositories: string[] }>().repositories;
    assert.deepEqual(everything, [...everything].sort(), 'byte order');
    for (const name of names) assert.ok(everything.includes(name), `${name} is listed`);

    for (const n of [3, 2]) {
      const seen: string[] = [];
      let url: string | undefined = `/v2/_catalog?n=${n}`;
      let pages = 0;
      while (url) {
        const page: CurlResponse = await curl(suite.berth, 'GET', url);
        assert.equal(page.status, 200);
        const repositories = page.json<{ repositories: string[] }>().repositories;
        assert.ok(repositories.length <= n, `page of ${repositories.length} > n=${n}`);
        seen.push(...repositories);
        url = nextLink(page);
        assert.ok(++pages <= everything.length + 1, 'paging terminates');
      }
      assert.deepEqual(seen, everything, `n=${n}`);
    }

    const afterLast = await curl(suite.berth, 'GET', `/v2/_catalog?n=2&last=${encodeURIComponent('catalog/a')}`);
    const from = everything.indexOf('catalog/a') + 1;
    assert.deepEqual(afterLast.json<{ repositories: string[] }>().repositories, everything.slice(from, from + 2));
  });
}

requireTools();

describe('registry clients against Berth on filesystem storage', () => {
  const suite = {} as Suite;
  before(async () => {
    suite.tools = createContainerTools();
    suite.berth = await startBerth();
  });
  after(async () => {
    await suite.berth?.destroy();
    await suite.tools?.destroy();
  });
  before(async () => {
    for (const project of ['clients', 'curl', 'catalog', 'a']) await new RegistryClient(suite.berth.url).createProject(project);
  });
  registryClientCases(suite);
});

describe('registry clients against Berth on S3 storage', () => {
  const suite = {} as Suite;
  let s3: S3Server | undefined;
  before(async () => {
    suite.tools = createContainerTools();
    s3 = await startS3Server();
    suite.berth = await startBerth({
      env: {
        BERTH_STORAGE_S3_BUCKET: s3.bucket,
        BERTH_STORAGE_S3_REGIONENDPOINT: s3.endpoint,
        BERTH_STORAGE_S3_ACCESSKEY: s3.accessKeyId,
        BERTH_STORAGE_S3_SECRETKEY: s3.secretAccessKey,
      },
    });
  });
  after(async () => {
    await suite.berth?.destroy();
    await s3?.stop();
    await suite.tools?.destroy();
  });
  before(async () => {
    for (const project of ['clients', 'curl', 'catalog', 'a']) await new RegistryClient(suite.berth.url).createProject(project);
  });
  registryClientCases(suite);
});

describe('blob downloads redirected to pre-signed S3 URLs', () => {
  let tools: ContainerTools;
  let s3: S3Server | undefined;
  let berth: BerthProcess | undefined;
  before(async () => {
    tools = createContainerTools();
    s3 = await startS3Server();
    const config = join(tools.tempDir('config'), 'berth.yml');
    const s3Settings = { bucket: s3.bucket, regionendpoint: s3.endpoint, accesskey: s3.accessKeyId, secretkey: s3.secretAccessKey, redirect: true };
    writeFileSync(config, `storage_service:\n  s3:\n${Object.entries(s3Settings).map(([key, value]) => `    ${key}: ${value}\n`).join('')}`);
    berth = await startBerth({ env: { BERTH_CONFIG: config } });
    await new RegistryClient(berth.url).createProject('direct');
  });
  after(async () => {
    await berth?.destroy();
    await s3?.stop();
    await tools?.destroy();
  });

  it('answers a blob GET with a pre-signed URL that curl and skopeo follow to the right bytes', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [3 * 1024 * 1024] });
    const layout = tools.tempDir('layout');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:v1`, `docker://${berth!.host}/direct/app:v1`]);
    const layer = image.layers[0]!;

    const redirect = await curl(berth!, 'GET', `/v2/direct/app/blobs/${layer.digest}`);
    assert.equal(redirect.status, 307);
    const location = new URL(redirect.headers.get('location')!);
    assert.equal(location.origin, s3!.endpoint, 'the bytes come from S3, not through Berth');
    assert.match(location.search, /X-Amz-Signature=/);

    const followed = await curl(berth!, 'GET', `/v2/direct/app/blobs/${layer.digest}`, { followRedirects: true });
    assert.equal(followed.status, 200);
    assert.equal(sha256(followed.body), layer.digest);

    const pulled = tools.tempDir('pulled');
    await tools.skopeo(['copy', '-q', '--src-tls-verify=false', '--src-creds', ADMIN_CREDS, `docker://${berth!.host}/direct/app:v1`, `dir:${pulled}`]);
    for (const blob of [image.config, layer]) assert.equal(sha256(readFileSync(join(pulled, blob.digest.slice('sha256:'.length)))), blob.digest);
  });
});
