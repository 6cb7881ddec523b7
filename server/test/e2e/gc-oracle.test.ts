import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { startDistribution, type Distribution } from '../fixtures/distribution.ts';
import { checkInvariants, describeViolations, storedBlobDigests } from '../fixtures/invariants.ts';
import { applyHistory, buildContent, oracleForBerth, untagInDistributionStorage, untagOverApi, type Content, type ContentSpec, type HistoryStep } from '../fixtures/registry-history.ts';

/**
 * Berth's garbage collection with delete_untagged against the oracle: the same history of pushes,
 * untags and manifest deletes played on CNCF distribution, then its offline `garbage-collect
 * --delete-untagged`. Berth must keep exactly the blobs distribution keeps (manifests aside: Berth
 * keeps them in its database), corrected for distribution's bug with a tagged index's children (see
 * fixtures/distribution.ts).
 */
const WEB = 'oracle/web';
const API = 'oracle/api';

const spec: ContentSpec = {
  layers: { os: 4000, runtime: 3000, w1: 600, w2: 601, w3: 602, a1: 603, a2: 604, m1: 605, m2: 606, m3: 607, s1: 608, lost: 609, stray: 610 },
  images: {
    W1: ['os', 'runtime', 'w1'], // tagged, later its tag moves to W2: untagged
    W2: ['os', 'runtime', 'w2'], // tagged throughout
    W3: ['os', 'w3'], // tagged, then its manifest deleted
    A1: ['os', 'a1'], // tagged in api, and pushed by digest in web (untagged there)
    A2: ['runtime', 'a2'], // tagged in api, then untagged
    M1: ['m1', 's1'], // children of index M (tagged throughout)
    M2: ['m2', 's1'],
    M3: ['m3', 'lost'], // child of index N, which is untagged later
  },
  indexes: { M: ['M1', 'M2'], N: ['M3'] },
};

const history: HistoryStep[] = [
  { op: 'push', repository: WEB, name: 'W1', tag: 'latest' },
  { op: 'push', repository: WEB, name: 'W3', tag: 'old' },
  { op: 'push', repository: API, name: 'A1', tag: 'v1' },
  { op: 'push', repository: WEB, name: 'A1' },
  { op: 'push', repository: API, name: 'A2', tag: 'v2' },
  { op: 'push', repository: WEB, name: 'M', tag: 'multi' },
  { op: 'push', repository: API, name: 'N', tag: 'n' },
  { op: 'upload', repository: API, layer: 'stray' },
  { op: 'push', repository: WEB, name: 'W2', tag: 'latest' },
  { op: 'deleteManifest', repository: WEB, name: 'W3' },
  { op: 'untag', repository: API, tag: 'v2' },
  { op: 'untag', repository: API, tag: 'n' },
];

describe('garbage collection with delete_untagged against CNCF distribution', () => {
  let content: Content;
  let distribution: Distribution;
  let berth: TestApp;

  before(async () => {
    content = await buildContent(spec);
    [distribution, berth] = await Promise.all([startDistribution(), startTestApp()]);
    await berth.client.createProject('oracle');
    await applyHistory({ client: distribution.client, untag: untagInDistributionStorage(distribution.root) }, content, history);
    await applyHistory({ client: berth.client, untag: untagOverApi(berth.client) }, content, history);
    await distribution.stop();
    await distribution.garbageCollect({ deleteUntagged: true });
  });

  after(async () => {
    await distribution?.destroy();
    await berth?.close();
  });

  it('leaves exactly the blobs distribution leaves, with a tagged index’s children whole', async () => {
    const result = await berth.gc.run({ deleteUntagged: true, dryRun: false, workers: 3, timeWindowHours: 0, uploadMaxAgeMs: 7 * 24 * 3600 * 1000 });
    assert.equal(result.failures, 0);
    const expected = oracleForBerth(distribution.blobDigests(), content);
    assert.deepEqual(content.names(await storedBlobDigests(berth.storage)), content.names(expected));
    // Spelled out, so a change to the oracle cannot pass unnoticed.
    assert.deepEqual(
      content.names(expected),
      content.names([
        ...content.digests({ layers: ['os', 'runtime', 'w2', 'a1', 'm1', 'm2', 's1'] }),
        ...['W2', 'A1', 'M1', 'M2'].map((name) => content.images[name]!.config.digest),
      ]),
    );
    const violations = await checkInvariants(berth.db, berth.storage, { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.deepEqual(await berth.quotas.usageDrift(), []);
  });
});
