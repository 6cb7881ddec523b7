import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { preferredReference, pullCommands } from '../src/features/artifact/pull-command.ts';

const repository = 'registry.example:8443/shop/web';
const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const commands = (type: string, reference: Parameters<typeof pullCommands>[2]) => pullCommands(type, repository, reference).map((c) => c.command);

describe("the pull command an artifact's page offers", () => {
  it('pulls an image with docker or podman, by tag or by digest', () => {
    assert.deepEqual(commands('IMAGE', { tag: 'v1' }), [`docker pull ${repository}:v1`, `podman pull ${repository}:v1`]);
    assert.deepEqual(commands('IMAGE', { digest }), [`docker pull ${repository}@${digest}`, `podman pull ${repository}@${digest}`]);
  });

  it('pulls a Helm chart with helm from oci://, its tag given as --version', () => {
    assert.deepEqual(commands('CHART', { tag: '1.2.3' }), [`helm pull oci://${repository} --version 1.2.3`]);
    assert.deepEqual(commands('CHART', { digest }), [`helm pull oci://${repository}@${digest}`]);
  });

  it('pulls every other OCI artifact (CNAB, WebAssembly, SBOM, unknown) with oras', () => {
    for (const type of ['CNAB', 'WASM', 'SBOM', 'UNKNOWN']) {
      assert.deepEqual(commands(type, { tag: 'v1' }), [`oras pull ${repository}:v1`], type);
      assert.deepEqual(commands(type, { digest }), [`oras pull ${repository}@${digest}`], type);
    }
  });

  it('names a chart by its version (first tag) and anything else, or an untagged chart, by digest', () => {
    assert.deepEqual(preferredReference('CHART', digest, [{ name: '1.2.3' }, { name: 'latest' }]), { tag: '1.2.3' });
    assert.deepEqual(preferredReference('CHART', digest, []), { digest });
    assert.deepEqual(preferredReference('IMAGE', digest, [{ name: 'v1' }]), { digest });
  });
});
