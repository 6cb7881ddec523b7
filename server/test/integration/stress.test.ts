import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { parseDigest } from '../../src/oci/digest.ts';
import { blobPath } from '../../src/storage/paths.ts';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { checkInvariants, describeViolations } from '../fixtures/invariants.ts';
import { runStress } from '../fixtures/stress.ts';

/**
 * The stress driver garbage collection will run under, proven on a Berth without GC: clients pushing
 * images on shared layers and indexes, pulling and deleting for a short while lose no pull and leave
 * database and storage consistent — and when committed bytes do vanish, the driver says so.
 */
describe('stress: concurrent pushes, pulls and deletes on Berth', () => {
  let berth: TestApp;

  before(async () => {
    berth = await startTestApp();
    await berth.client.createProject('stress');
  });

  after(async () => {
    await berth?.close();
  });

  it('loses no pull of a committed, undeleted artifact, and leaves every invariant holding', async (t) => {
    const result = await runStress({
      url: berth.url,
      repositories: ['stress/a', 'stress/b'],
      clients: 4,
      durationMs: 15_000,
      // Where GC will run: here a read like its mark phase, back to back beside the clients.
      meanwhile: async () => {
        await sql`SELECT count(*) FROM blob b WHERE NOT EXISTS (SELECT 1 FROM artifact_blob ab WHERE ab.digest = b.digest)`.execute(berth.db);
      },
    });
    t.diagnostic(JSON.stringify(result));
    assert.deepEqual(result.failedPulls, []);
    assert.deepEqual(result.errors, []);
    assert.equal(result.pushesRetried, 0, 'without GC nothing goes between HEAD and PUT');
    assert.equal(result.pushesRefused, 0);
    // Counts vary with the machine's load; that every kind of work happened is what matters.
    assert.ok(result.pushes > 0 && result.pulls > 0 && result.tagDeletes + result.manifestDeletes > 0 && result.meanwhileRuns > 0, JSON.stringify(result));
    const violations = await checkInvariants(berth.db, berth.storage, { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
  });

  it('records the failed pulls when committed artifacts lose their bytes', async () => {
    const lost = new Set<string>();
    const result = await runStress({
      url: berth.url,
      repositories: ['stress/c'],
      clients: 2,
      durationMs: 8_000,
      indexShare: 0,
      // A broken collector: deletes the bytes of every blob the first committed artifacts of stress/c use.
      meanwhile: async () => {
        if (lost.size > 0) return;
        const rows = await berth.db
          .selectFrom('artifactBlob as ab')
          .innerJoin('artifact as a', 'a.id', 'ab.artifactId')
          .innerJoin('repository as r', 'r.id', 'a.repositoryId')
          .select('ab.digest')
          .where('r.name', '=', 'stress/c')
          .execute();
        if (rows.length === 0) return;
        for (const { digest } of rows) {
          await berth.storage.delete(blobPath(parseDigest(digest)!));
          lost.add(digest);
        }
      },
    });
    assert.ok(result.failedPulls.length > 0, JSON.stringify(result));
    for (const failure of result.failedPulls) {
      assert.equal(failure.repository, 'stress/c');
      assert.ok(lost.has(failure.object), `${failure.object} failed, but its bytes were not deleted`);
    }
  });
});
