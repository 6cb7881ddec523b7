import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { startDistribution, type Distribution } from '../fixtures/distribution.ts';
import { storedBlobDigests } from '../fixtures/invariants.ts';
import { applyHistory, buildContent, oracleForBerth, untagInDistributionStorage, untagOverApi, type Content, type ContentSpec, type HistoryStep } from '../fixtures/registry-history.ts';

/**
 * The oracle garbage collection will be held against: one history of pushes and deletes played on
 * CNCF distribution and on Berth. Here the harness itself is proven: distribution's offline
 * garbage-collect leaves exactly the blobs reasoned out below, and Berth, given the same history,
 * stores the same blobs distribution stored before collecting (manifests aside: Berth keeps them in
 * its database).
 */
const APP = 'oracle/app';
const OTHER = 'oracle/other';

const spec: ContentSpec = {
  layers: { base: 3000, lib: 2000, a1: 500, b1: 501, c1: 502, d1: 503, e1: 504, f1: 505, g1: 506, h1: 507, x1: 508, y1: 509, z1: 510, shared: 511, orphan: 512 },
  images: {
    A: ['base', 'lib', 'a1'], // tagged throughout
    B: ['base', 'lib', 'b1'], // tagged, then its manifest deleted: b1 goes, base and lib stay (A)
    C: ['base', 'c1'], // tagged, then the tag deleted: untagged
    D: ['d1'], // pushed by digest only: untagged from the start
    E: ['base', 'e1'], // tagged in the other repository
    F: ['f1'], // tagged in both repositories, its manifest deleted in one
    G: ['g1'], // tag moved away to H: untagged
    H: ['h1'],
    X: ['x1'], // children of tagged index I
    Y: ['y1', 'shared'],
    Z: ['z1', 'shared'], // child of index J, whose manifest is deleted; `shared` stays through Y
  },
  indexes: { I: ['X', 'Y'], J: ['Z'] },
};

const history: HistoryStep[] = [
  { op: 'push', repository: APP, name: 'A', tag: 'a' },
  { op: 'push', repository: APP, name: 'B', tag: 'b' },
  { op: 'push', repository: APP, name: 'C', tag: 'c' },
  { op: 'push', repository: APP, name: 'D' },
  { op: 'push', repository: OTHER, name: 'E', tag: 'e' },
  { op: 'push', repository: APP, name: 'F', tag: 'f' },
  { op: 'push', repository: OTHER, name: 'F', tag: 'f' },
  { op: 'push', repository: APP, name: 'G', tag: 'moving' },
  { op: 'push', repository: APP, name: 'H', tag: 'moving' },
  { op: 'push', repository: APP, name: 'I', tag: 'multi' },
  { op: 'push', repository: APP, name: 'J', tag: 'multi-old' },
  { op: 'upload', repository: OTHER, layer: 'orphan' }, // a push abandoned before its manifest
  { op: 'deleteManifest', repository: APP, name: 'B' },
  { op: 'untag', repository: APP, tag: 'c' },
  { op: 'deleteManifest', repository: APP, name: 'F' },
  { op: 'deleteManifest', repository: APP, name: 'J' },
];

describe('the garbage-collection oracle: CNCF distribution and the same history on Berth', () => {
  let content: Content;
  let distribution: Distribution;
  let berth: TestApp;
  let uploaded: string[];

  before(async () => {
    content = await buildContent(spec);
    [distribution, berth] = await Promise.all([startDistribution(), startTestApp()]);
    await berth.client.createProject('oracle');
    await applyHistory({ client: distribution.client, untag: untagInDistributionStorage(distribution.root) }, content, history);
    await applyHistory({ client: berth.client, untag: untagOverApi(berth.client) }, content, history);
    uploaded = content.digests({ images: Object.keys(spec.images), indexes: Object.keys(spec.indexes!), layers: ['orphan'] });
  });

  after(async () => {
    await distribution?.destroy();
    await berth?.close();
  });

  it('distribution stores every blob and manifest of the history until it collects', () => {
    assert.deepEqual(distribution.blobDigests(), uploaded);
  });

  it('Berth given the same history stores the same blobs, manifests aside', async () => {
    const manifests = content.manifestDigests();
    assert.deepEqual(
      await storedBlobDigests(new FilesystemDriver({ rootDirectory: berth.storageRoot })),
      uploaded.filter((digest) => !manifests.has(digest)),
    );
  });

  it('distribution garbage-collect keeps untagged manifests and drops only what deleted manifests alone used', async () => {
    await distribution.stop();
    await distribution.garbageCollect();
    assert.deepEqual(
      content.names(distribution.blobDigests()),
      content.names(content.digests({ images: ['A', 'C', 'D', 'E', 'F', 'G', 'H', 'X', 'Y', 'Z'], indexes: ['I'] })),
      'B (its manifest deleted) loses b1, its config and manifest and keeps base and lib (A); J goes; Z, untagged but not deleted, stays; ' +
        'the orphan layer no manifest uses goes',
    );
  });

  it('distribution garbage-collect --delete-untagged drops untagged manifests and what only they used — and, its bug, a tagged index’s children’s blobs', async () => {
    await distribution.garbageCollect({ deleteUntagged: true });
    assert.deepEqual(
      content.names(distribution.blobDigests()),
      content.names([
        ...content.digests({ images: ['A', 'E', 'F', 'H'], indexes: ['I'], layers: ['base', 'lib'] }),
        content.images.X!.manifest.digest,
        content.images.Y!.manifest.digest,
      ]),
      'C (tag deleted), D (never tagged), G (tag moved to H) and Z (its index deleted) go; base and lib stay through A and E; ' +
        'of I’s children X and Y only the manifests stay (distribution issues #3004, #3178)',
    );
  });

  it('the oracle for Berth is distribution’s result without manifests, with a tagged index’s children kept whole', () => {
    assert.deepEqual(
      content.names(oracleForBerth(distribution.blobDigests(), content)),
      content.names(content.digests({ layers: ['base', 'lib', 'a1', 'e1', 'f1', 'h1', 'x1', 'y1', 'shared'] }).concat(['A', 'E', 'F', 'H', 'X', 'Y'].map((name) => content.images[name]!.config.digest))),
    );
  });
});
