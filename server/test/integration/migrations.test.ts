import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

/** Migrations applied to a database as an earlier Berth left it: the upgrade path of existing installs. */
describe('upgrading an existing install', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    db = createDatabase(database.url, 2);
  });
  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** The schema up to (not including) `first`, as an install made before that migration has it. */
  const migrateBefore = async (first: string) => {
    const earlier = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < first));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => earlier } }).migrateToLatest();
    assert.equal(error, undefined);
  };

  it('makes the administrator who owns library its project admin member, leaving other projects alone', async () => {
    await migrateBefore('0010-library-admin-member');
    // What an earlier first start did: the admin owns library, with no membership.
    const admin = await db.insertInto('userAccount').values({ username: 'admin', passwordHash: 'x', sysadmin: true }).returning('id').executeTakeFirstOrThrow();
    await db.updateTable('project').set({ ownerId: admin.id }).where('name', '=', 'library').execute();
    await db.insertInto('project').values({ name: 'other', ownerId: admin.id }).execute();

    assert.deepEqual(await migrateToLatest(db), Object.keys(migrations).filter((name) => name >= '0010-library-admin-member'));
    const memberships = await db.selectFrom('projectMember').innerJoin('project', 'project.id', 'projectMember.projectId').select(['project.name', 'projectMember.userId', 'projectMember.role', 'projectMember.entityType']).execute();
    assert.deepEqual(memberships, [{ name: 'library', userId: admin.id, role: 1, entityType: 'u' }]);
  });
});
