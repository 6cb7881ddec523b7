import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { QueryTerm } from '../http/harbor-query.ts';
import { applyFilters } from '../db/query-filters.ts';

type Executor = Db | Transaction<Database>;

export interface UserGroupRow {
  id: string;
  groupName: string;
  /** 1 LDAP, 2 HTTP, 3 OIDC. */
  groupType: number;
  ldapGroupDn: string;
}

const COLUMNS = ['id', 'groupName', 'groupType', 'ldapGroupDn'] as const;

/** SQL for user groups. */
export class UserGroupsStore {
  async list(db: Executor, filters: QueryTerm[], limit: number, offset: number): Promise<{ rows: UserGroupRow[]; total: number }> {
    const base = applyFilters(db.selectFrom('userGroup'), filters);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.select(COLUMNS).orderBy('groupName').orderBy('id').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async findById(db: Executor, id: string): Promise<UserGroupRow | undefined> {
    return await db.selectFrom('userGroup').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /** `dn` normalised, as stored. */
  async findByLdapDn(db: Executor, dn: string): Promise<UserGroupRow | undefined> {
    return await db.selectFrom('userGroup').select(COLUMNS).where('groupType', '=', 1).where('ldapGroupDn', '=', dn).executeTakeFirst();
  }

  /** Throws PostgreSQL's unique violation (23505) for a second group with the same LDAP DN, or OIDC group name. */
  async insert(db: Executor, group: { groupName: string; groupType: number; ldapGroupDn: string }): Promise<UserGroupRow> {
    return await db.insertInto('userGroup').values(group).returning(COLUMNS).executeTakeFirstOrThrow();
  }

  async rename(db: Executor, id: string, groupName: string): Promise<UserGroupRow | undefined> {
    return await db
      .updateTable('userGroup')
      .set({ groupName, updatedAt: sql`now()` })
      .where('id', '=', id)
      .returning(COLUMNS)
      .executeTakeFirst();
  }

  /** Deletes the group (its project memberships go with it) and drops it from its users' remembered groups. */
  async delete(trx: Transaction<Database>, id: string): Promise<UserGroupRow | undefined> {
    const deleted = await trx.deleteFrom('userGroup').where('id', '=', id).returning(COLUMNS).executeTakeFirst();
    if (deleted) {
      await trx
        .updateTable('userAccount')
        .set({ groupIds: sql`array_remove(group_ids, ${id}::bigint)` } as never)
        .where(sql<boolean>`${id}::bigint = ANY(group_ids)`)
        .execute();
    }
    return deleted;
  }
}
