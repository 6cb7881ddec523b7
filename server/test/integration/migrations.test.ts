import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

/** Migrations applied to a database as an earlier Berth left it: the upgrade path of existing installs. */
describe('upgrading an existing install', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  /** A new database with the schema up to (not including) `first`, as an install made before that migration has it. */
  const installBefore = async (first: string): Promise<Db> => {
    const database = await createTestDatabase();
    const db = createDatabase(database.url, 2);
    cleanups.push(async () => {
      await db.destroy();
      await database.drop();
    });
    const earlier = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < first));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => earlier } }).migrateToLatest();
    assert.equal(error, undefined);
    return db;
  };
  const upgrade = async (db: Db, first: string) => assert.deepEqual(await migrateToLatest(db), Object.keys(migrations).filter((name) => name >= first));

  it('makes the administrator who owns library its project admin member, leaving other projects alone', async () => {
    const db = await installBefore('0010-library-admin-member');
    // What an earlier first start did: the admin owns library, with no membership.
    const admin = await db.insertInto('userAccount').values({ username: 'admin', passwordHash: 'x', sysadmin: true }).returning('id').executeTakeFirstOrThrow();
    await db.updateTable('project').set({ ownerId: admin.id }).where('name', '=', 'library').execute();
    await db.insertInto('project').values({ name: 'other', ownerId: admin.id }).execute();

    await upgrade(db, '0010-library-admin-member');
    const memberships = await db.selectFrom('projectMember').innerJoin('project', 'project.id', 'projectMember.projectId').select(['project.name', 'projectMember.userId', 'projectMember.role', 'projectMember.entityType']).execute();
    assert.deepEqual(memberships, [{ name: 'library', userId: admin.id, role: 1, entityType: 'u' }]);
  });

  it('turns off the image policies an earlier Berth stored without enforcing them, keeping every other setting', async () => {
    const db = await installBefore('0011-unenforced-policies-off');
    const stored = { public: 'true', enable_content_trust: 'true', enable_content_trust_cosign: 'true', prevent_vul: 'true', severity: 'high', auto_scan: 'true', auto_sbom_generation: 'false' };
    await db.insertInto('project').values([{ name: 'policies', metadata: JSON.stringify(stored) }, { name: 'plain', metadata: JSON.stringify({ public: 'false' }) }]).execute();

    await upgrade(db, '0011-unenforced-policies-off');
    const rows = await db.selectFrom('project').select(['name', 'metadata']).where('name', 'in', ['policies', 'plain', 'library']).orderBy('name').execute();
    assert.deepEqual(rows, [
      { name: 'library', metadata: { public: 'true' } },
      { name: 'plain', metadata: { public: 'false' } },
      { name: 'policies', metadata: { public: 'true', enable_content_trust: 'false', enable_content_trust_cosign: 'false', prevent_vul: 'false', severity: 'high', auto_scan: 'false', auto_sbom_generation: 'false' } },
    ]);
  });
});
