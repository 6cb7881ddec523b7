import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { baseMediaType, INDEX_TYPES, IMAGE_MANIFEST_TYPES, isNonDistributable, MANIFEST_TYPES, MediaType } from './media-types.ts';

describe('baseMediaType', () => {
  it('strips parameters, surrounding space and case from a Content-Type', () => {
    assert.equal(baseMediaType('application/vnd.oci.image.manifest.v1+json; charset=utf-8'), MediaType.ociManifest);
    assert.equal(baseMediaType('  Application/VND.Docker.Distribution.Manifest.V2+JSON '), MediaType.dockerManifest);
  });

  it('gives undefined for a missing or empty Content-Type', () => {
    for (const value of [undefined, '', ' ', '; charset=utf-8']) assert.equal(baseMediaType(value), undefined, JSON.stringify(value));
  });
});

describe('manifest media types', () => {
  it('accepts OCI and Docker schema 2 manifests and indexes, never schema 1', () => {
    assert.deepEqual([...IMAGE_MANIFEST_TYPES].sort(), [MediaType.dockerManifest, MediaType.ociManifest].sort());
    assert.deepEqual([...INDEX_TYPES].sort(), [MediaType.dockerManifestList, MediaType.ociIndex].sort());
    assert.equal(MANIFEST_TYPES.length, 4);
    assert.ok(!MANIFEST_TYPES.includes('application/vnd.docker.distribution.manifest.v1+prettyjws'));
  });
});

describe('isNonDistributable', () => {
  it('knows Docker foreign layers and OCI non-distributable layers', () => {
    for (const type of ['application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar', 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd']) {
      assert.equal(isNonDistributable(type), true, type);
    }
  });

  it('treats every ordinary layer type as one the registry must hold', () => {
    for (const type of ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.oci.image.layer.v1.tar', 'APPLICATION/VND.DOCKER.IMAGE.ROOTFS.FOREIGN.DIFF.TAR.GZIP']) {
      assert.equal(isNonDistributable(type), false, type);
    }
  });
});
