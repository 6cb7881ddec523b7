import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GC_BENCH_REPOSITORY, seedBlobs } from '../../../bench/seed-blobs.ts';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { QuotasStore } from '../../src/quotas/quotas.store.ts';
import { FilesystemDriver } from '../../src/storage/drivers/filesystem.driver.ts';
import { checkInvariants, describeViolations, storedBlobDigests } from '../fixtures/invariants.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

/**
 * The GC bench's seeding (bench/seed-blobs.ts), small: rows and bytes agree as pushes would have left
 * them — every invariant holds, also with "no bytes without a row" — so the bench measures GC on a
 * consistent registry.
 */
describe('seeding blobs for the garbage-collection bench', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let root: string;

  before(async () => {
    database = await createTestDatabase();
    db = createDatabase(database.url, 4);
    await migrateToLatest(db);
    root = mkdtempSync(join(tmpdir(), 'berth-seed-blobs-'));
  });

  after(async () => {
    await db?.destroy();
    await database?.drop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const count = async (table: 'blob' | 'repositoryBlob' | 'artifact' | 'artifactBlob' | 'tag') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it('seeds live blob rows with their bytes, a share of them used by tagged artifacts, consistent with each other', async () => {
    const result = await seedBlobs({ db, storageRoot: root, blobs: 2000, referencedShare: 0.1 });
    assert.deepEqual({ blobs: result.blobs, referenced: result.referenced, artifacts: result.artifacts }, { blobs: 2000, referenced: 200, artifacts: 50 });
    assert.deepEqual(
      { blob: await count('blob'), repositoryBlob: await count('repositoryBlob'), artifact: await count('artifact'), artifactBlob: await count('artifactBlob'), tag: await count('tag') },
      { blob: 2000, repositoryBlob: 2000, artifact: 50, artifactBlob: 200, tag: 50 },
    );
    const storage = new FilesystemDriver({ rootDirectory: root });
    const rows = (await db.selectFrom('blob').select('digest').orderBy('digest').execute()).map((r) => r.digest);
    assert.deepEqual(await storedBlobDigests(storage), rows);
    const violations = await checkInvariants(db, storage, { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.deepEqual(await new QuotasStore().usageDrift(db), [], 'the project quota counts the seeded artifacts');
    const repository = await db.selectFrom('repository').select('name').where('name', '=', GC_BENCH_REPOSITORY).executeTakeFirst();
    assert.ok(repository);
  });

  it('seeding again with a larger count adds only what is missing', async () => {
    await seedBlobs({ db, storageRoot: root, blobs: 3000, referencedShare: 0.1 });
    assert.deepEqual({ blob: await count('blob'), artifact: await count('artifact'), artifactBlob: await count('artifactBlob') }, { blob: 3000, artifact: 75, artifactBlob: 300 });
    const violations = await checkInvariants(db, new FilesystemDriver({ rootDirectory: root }), { afterSweep: true });
    assert.deepEqual(violations, [], describeViolations(violations));
    assert.deepEqual(await new QuotasStore().usageDrift(db), []);
  });
});
