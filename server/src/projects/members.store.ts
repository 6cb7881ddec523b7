import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { containsPattern } from '../db/query-filters.ts';

type Executor = Db | Transaction<Database>;

export interface MemberRow {
  id: string;
  projectId: string;
  entityType: 'u' | 'g';
  entityId: string;
  entityName: string;
  role: number;
}

function selectMembers(db: Executor) {
  return db
    .selectFrom('projectMember as m')
    .leftJoin('userAccount as u', 'u.id', 'm.userId')
    .leftJoin('userGroup as g', 'g.id', 'm.groupId')
    .select([
      'm.id',
      'm.projectId',
      'm.entityType',
      sql<string>`coalesce(m.user_id, m.group_id)`.as('entityId'),
      sql<string>`coalesce(u.username, g.group_name)`.as('entityName'),
      'm.role',
    ]);
}

/** SQL for project members (users and groups). */
export class MembersStore {
  async list(db: Executor, projectId: string, entityName: string | undefined, limit: number, offset: number): Promise<{ rows: MemberRow[]; total: number }> {
    let base = db
      .selectFrom('projectMember as m')
      .leftJoin('userAccount as u', 'u.id', 'm.userId')
      .leftJoin('userGroup as g', 'g.id', 'm.groupId')
      .where('m.projectId', '=', projectId);
    if (entityName) {
      base = base.where(sql<boolean>`coalesce(u.username, g.group_name) ILIKE ${containsPattern(entityName)}`);
    }
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const ids = (await base.select('m.id').orderBy('m.id').limit(limit).offset(offset).execute()).map((row) => row.id);
    if (ids.length === 0) return { rows: [], total };
    const rows = await selectMembers(db).where('m.id', 'in', ids).orderBy('m.id').execute();
    return { rows, total };
  }

  /** A member of `projectId` only: ids of other projects' members are not found. */
  async find(db: Executor, projectId: string, id: string): Promise<MemberRow | undefined> {
    return await selectMembers(db).where('m.id', '=', id).where('m.projectId', '=', projectId).executeTakeFirst();
  }

  async insert(trx: Transaction<Database>, values: { projectId: string; entityType: 'u' | 'g'; userId: string | null; groupId: string | null; role: number }): Promise<string | undefined> {
    const row = await trx
      .insertInto('projectMember')
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  async updateRole(trx: Transaction<Database>, projectId: string, id: string, role: number): Promise<boolean> {
    const result = await trx
      .updateTable('projectMember')
      .set({ role, updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .where('projectId', '=', projectId)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(trx: Transaction<Database>, projectId: string, id: string): Promise<boolean> {
    const result = await trx.deleteFrom('projectMember').where('id', '=', id).where('projectId', '=', projectId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async findUser(db: Executor, by: { id?: string; username?: string }): Promise<{ id: string; username: string } | undefined> {
    let query = db.selectFrom('userAccount').select(['id', 'username']);
    query = by.id !== undefined ? query.where('id', '=', by.id) : query.where('username', '=', by.username ?? '');
    return await query.executeTakeFirst();
  }

  async findGroup(db: Executor, by: { id: string } | { groupName: string; groupType: number | undefined }): Promise<{ id: string; groupName: string } | undefined> {
    let query = db.selectFrom('userGroup').select(['id', 'groupName']);
    if ('id' in by) query = query.where('id', '=', by.id);
    else {
      query = query.where('groupName', '=', by.groupName);
      if (by.groupType !== undefined) query = query.where('groupType', '=', by.groupType);
    }
    // An LDAP and an OIDC group may share a name; without a type, the older one, so the answer does not change.
    return await query.orderBy('id').executeTakeFirst();
  }
}
