import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.ts';
import { ManifestError, parseManifest } from './manifest.ts';
import { MediaType } from './media-types.ts';

const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf('config'), size: 6 };
const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf('layer'), size: 5 };
const foreign = {
  mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  digest: digestOf('windows base'),
  size: 12,
  urls: ['https://mcr.microsoft.com/v2/windows/servercore/blobs/' + digestOf('windows base')],
};
const child = { mediaType: MediaType.ociManifest, digest: digestOf('child'), size: 5, platform: { architecture: 'amd64', os: 'linux' } };

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const image = (extra: Record<string, unknown> = {}) => ({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer], ...extra });

function refuses(body: Buffer, contentType: string | undefined, message: RegExp): void {
  assert.throws(() => parseManifest(body, contentType), (error: unknown) => error instanceof ManifestError && message.test(error.message));
}

describe('parseManifest: image manifests', () => {
  it('lists the config and layers as blobs the repository must hold', () => {
    const parsed = parseManifest(json(image()), MediaType.ociManifest);
    assert.equal(parsed.kind, 'image');
    assert.deepEqual(parsed.blobs, [config, layer]);
    assert.deepEqual(parsed.children, []);
    assert.equal(parsed.artifactType, config.mediaType, 'without artifactType, the config media type is reported');
  });

  it('does not require a foreign layer with urls to be in the repository, but keeps it among the layers', () => {
    const docker = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { ...config, mediaType: 'application/vnd.docker.container.image.v1+json' }, layers: [foreign, layer] };
    const parsed = parseManifest(json(docker), MediaType.dockerManifest);
    assert.deepEqual(parsed.blobs.map((b) => b.digest), [docker.config.digest, layer.digest]);
    assert.deepEqual(parsed.layers[0], foreign);
  });

  it('requires a foreign layer that names no urls, as it can be fetched from nowhere else', () => {
    const { urls: _urls, ...withoutUrls } = foreign;
    const parsed = parseManifest(json({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config, layers: [withoutUrls] }), MediaType.dockerManifest);
    assert.ok(parsed.blobs.some((b) => b.digest === foreign.digest));
  });

  it('takes the media type from the body when the Content-Type is not a manifest type, and guesses OCI when both are silent', () => {
    assert.equal(parseManifest(json(image()), 'application/octet-stream').mediaType, MediaType.ociManifest);
    const { mediaType: _m, ...bare } = image();
    assert.equal(parseManifest(json(bare), undefined).mediaType, MediaType.ociManifest);
  });

  it('keeps subject, artifactType and annotations', () => {
    const subject = { mediaType: MediaType.ociManifest, digest: digestOf('subject'), size: 7 };
    const parsed = parseManifest(json(image({ subject, artifactType: 'application/vnd.example.sbom', annotations: { 'org.example': 'yes' } })), MediaType.ociManifest);
    assert.deepEqual(parsed.subject, subject);
    assert.equal(parsed.artifactType, 'application/vnd.example.sbom');
    assert.deepEqual(parsed.annotations, { 'org.example': 'yes' });
  });
});

describe('parseManifest: indexes and Docker manifest lists', () => {
  it('lists an index’s manifests as children that must exist, and no blobs', () => {
    for (const mediaType of [MediaType.ociIndex, MediaType.dockerManifestList]) {
      const parsed = parseManifest(json({ schemaVersion: 2, mediaType, manifests: [child] }), mediaType);
      assert.equal(parsed.kind, 'index', mediaType);
      assert.equal(parsed.mediaType, mediaType);
      assert.deepEqual(parsed.children.map((c) => c.digest), [child.digest]);
      assert.deepEqual(parsed.blobs, []);
    }
  });

  it('guesses an OCI index from a body with manifests and no media type', () => {
    assert.equal(parseManifest(json({ schemaVersion: 2, manifests: [] }), undefined).mediaType, MediaType.ociIndex);
  });
});

describe('parseManifest: refusals', () => {
  it('refuses what is not a JSON object of schema version 2', () => {
    refuses(Buffer.from('{'), MediaType.ociManifest, /not valid JSON/);
    refuses(json([image()]), MediaType.ociManifest, /JSON object/);
    refuses(json(image({ schemaVersion: 1 })), MediaType.ociManifest, /schemaVersion 2/);
  });

  it('refuses a body whose mediaType disagrees with the Content-Type, and unknown types', () => {
    refuses(json(image()), MediaType.dockerManifest, /does not match/);
    refuses(json(image({ mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' })), 'application/vnd.docker.distribution.manifest.v1+prettyjws', /unsupported manifest media type/);
    refuses(json(image({ mediaType: 7 })), MediaType.ociManifest, /mediaType must be a string/);
  });

  it('refuses malformed descriptors, naming where', () => {
    refuses(json(image({ config: 'sha256:x' })), MediaType.ociManifest, /^config: expected a descriptor/);
    refuses(json(image({ layers: {} })), MediaType.ociManifest, /^layers: expected an array/);
    refuses(json(image({ layers: [{ ...layer, digest: 'sha256:short' }] })), MediaType.ociManifest, /^layers\[0\]: digest/);
    refuses(json(image({ layers: [{ ...layer, size: -1 }] })), MediaType.ociManifest, /^layers\[0\]: size/);
    refuses(json(image({ layers: [{ ...layer, size: 1.5 }] })), MediaType.ociManifest, /^layers\[0\]: size/);
    refuses(json(image({ layers: [{ ...layer, mediaType: 'not a type' }] })), MediaType.ociManifest, /^layers\[0\]: mediaType/);
    refuses(json(image({ layers: [{ ...layer, urls: 'https://x' }] })), MediaType.ociManifest, /^layers\[0\]: urls/);
    refuses(json(image({ layers: [{ ...layer, annotations: { a: 1 } }] })), MediaType.ociManifest, /^layers\[0\]: annotations/);
    refuses(json(image({ subject: { ...config, artifactType: 3 } })), MediaType.ociManifest, /^subject: artifactType/);
    refuses(json(image({ artifactType: ['x'] })), MediaType.ociManifest, /^artifactType must be a string/);
    refuses(json({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...child, digest: 'md5:abc' }] }), MediaType.ociIndex, /^manifests\[0\]: digest/);
  });
});
