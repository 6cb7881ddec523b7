import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { digestOf } from './digest.ts';
import { artifactTypeOf, buildHistoryOf, extraAttrsOf, hasDescriptiveConfig } from './artifact-type.ts';
import type { ParsedManifest } from './manifest.ts';
import { MediaType } from './media-types.ts';

function manifest(configType: string, extra: Partial<ParsedManifest> = {}): ParsedManifest {
  const config = { mediaType: configType, digest: digestOf(configType), size: 2 };
  return { kind: 'image', mediaType: MediaType.ociManifest, blobs: [config], children: [], config, layers: [], ...extra };
}

describe('artifactTypeOf', () => {
  it('decides Harbor’s type from the config media type', () => {
    const cases: [string, string][] = [
      ['application/vnd.oci.image.config.v1+json', 'IMAGE'],
      ['application/vnd.docker.container.image.v1+json', 'IMAGE'],
      ['application/vnd.cncf.helm.config.v1+json', 'CHART'],
      ['application/vnd.cnab.config.v1+json', 'CNAB'],
      ['application/vnd.wasm.config.v1+json', 'WASM'],
      ['application/vnd.example.unknown', 'UNKNOWN'],
    ];
    for (const [config, type] of cases) assert.equal(artifactTypeOf(manifest(config)), type, config);
  });

  it('takes an SBOM from the artifactType or the config, and an image config with another artifactType is no image', () => {
    assert.equal(artifactTypeOf(manifest(MediaType.ociEmpty, { artifactType: 'application/spdx+json' })), 'SBOM');
    assert.equal(artifactTypeOf(manifest('application/vnd.cyclonedx+json')), 'SBOM');
    assert.equal(artifactTypeOf(manifest('application/vnd.oci.image.config.v1+json', { artifactType: 'application/vnd.example.thing' })), 'UNKNOWN');
  });

  it('calls an index an image unless its annotations name the CNAB runtime', () => {
    const index: ParsedManifest = { kind: 'index', mediaType: MediaType.ociIndex, blobs: [], children: [], layers: [] };
    assert.equal(artifactTypeOf(index), 'IMAGE');
    assert.equal(artifactTypeOf({ ...index, annotations: { 'io.cnab.runtime_version': 'v1.0.0' } }), 'CNAB');
  });
});

describe('extraAttrsOf', () => {
  const config = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('keeps exactly Harbor’s image keys: architecture, os, author, created, config', () => {
    const attrs = extraAttrsOf('IMAGE', config({ architecture: 'arm64', os: 'linux', variant: 'v8', 'os.version': '1', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] }, rootfs: { diff_ids: [] }, history: [] }));
    assert.deepEqual(attrs, { architecture: 'arm64', os: 'linux', created: '2024-01-01T00:00:00Z', config: { Cmd: ['sh'] } });
  });

  it('takes an image’s author from its labels when the config names none, as Harbor does', () => {
    assert.equal(extraAttrsOf('IMAGE', config({ config: { Labels: { maintainer: 'm@example.com', 'org.opencontainers.image.authors': 'oci@example.com' } } }))!.author, 'oci@example.com');
    assert.equal(extraAttrsOf('IMAGE', config({ config: { Labels: { maintainer: 'm@example.com' } } }))!.author, 'm@example.com');
    assert.equal(extraAttrsOf('IMAGE', config({ author: 'me', config: { Labels: { maintainer: 'm@example.com' } } }))!.author, 'me');
    assert.equal(extraAttrsOf('IMAGE', config({ config: {} }))!.author, undefined);
  });

  it('keeps Chart.yaml’s keys for a chart and the whole config for other types', () => {
    assert.deepEqual(extraAttrsOf('CHART', config({ name: 'demo', version: '1.0.0', secret: 'x' })), { name: 'demo', version: '1.0.0' });
    assert.deepEqual(extraAttrsOf('WASM', config({ any: 1 })), { any: 1 });
  });

  it('gives null for a config that is not a JSON object', () => {
    for (const bytes of [Buffer.from('{'), config([1]), config('text'), config(null)]) assert.equal(extraAttrsOf('IMAGE', bytes), null);
  });
});

describe('buildHistoryOf and hasDescriptiveConfig', () => {
  it('reads the history of an image config, and nothing from anything else', () => {
    const history = [{ created: '2024-01-01T00:00:00Z', created_by: 'RUN true' }];
    assert.deepEqual(buildHistoryOf(Buffer.from(JSON.stringify({ history }))), history);
    assert.deepEqual(buildHistoryOf(Buffer.from(JSON.stringify({ history: 'no' }))), []);
    assert.deepEqual(buildHistoryOf(Buffer.from('not json')), []);
  });

  it('reads configs only for types whose config Harbor shows', () => {
    assert.deepEqual((['IMAGE', 'CHART', 'CNAB', 'WASM', 'SBOM', 'UNKNOWN'] as const).filter(hasDescriptiveConfig), ['IMAGE', 'CHART', 'WASM']);
  });
});
