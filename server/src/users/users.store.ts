import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AuthSource, Database } from '../db/schema.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { applyFilters, applySort, containsPattern } from '../db/query-filters.ts';

export interface UserRow {
  id: string;
  username: string;
  email: string | null;
  realname: string;
  comment: string;
  sysadmin: boolean;
  authSource: AuthSource;
  /** OIDC: issuer|subject; LDAP: the DN. */
  externalId: string | null;
  /** The sysadmin flag was granted by the directory's (LDAP or OIDC) admin group, not by an administrator. */
  adminRoleInAuth: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = ['id', 'username', 'email', 'realname', 'comment', 'sysadmin', 'authSource', 'externalId', 'adminRoleInAuth', 'createdAt', 'updatedAt'] as const;

/** SQL for users: one method per query. Password hashes leave only through findPasswordHash; CLI secret hashes never. */
export class UsersStore {
  async insert(db: Db | Transaction<Database>, user: { username: string; email: string; realname: string; comment: string; passwordHash: string; sysadmin: boolean }): Promise<UserRow> {
    return await db.insertInto('userAccount').values(user).returning(COLUMNS).executeTakeFirstOrThrow();
  }

  async findById(db: Db, id: string): Promise<UserRow | undefined> {
    return await db.selectFrom('userAccount').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /** What a principal carries of the user named `username`. */
  async findPrincipal(db: Db, username: string): Promise<{ id: string; username: string; sysadmin: boolean; authSource: AuthSource; groupIds: string[] } | undefined> {
    return await db.selectFrom('userAccount').select(['id', 'username', 'sysadmin', 'authSource', 'groupIds']).where('username', '=', username).executeTakeFirst();
  }

  async findPasswordHash(db: Db, id: string): Promise<string | undefined> {
    return (await db.selectFrom('userAccount').select('passwordHash').where('id', '=', id).executeTakeFirst())?.passwordHash ?? undefined;
  }

  async existsByUsernameOrEmail(db: Db, username: string, email: string): Promise<'username' | 'email' | undefined> {
    const row = await db
      .selectFrom('userAccount')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', '=', username), eb(sql`lower(email)`, '=', email.toLowerCase())]))
      .executeTakeFirst();
    if (!row) return undefined;
    return row.username === username ? 'username' : 'email';
  }

  async emailTakenByOther(db: Db, email: string, id: string): Promise<boolean> {
    const row = await db.selectFrom('userAccount').select('id').where(sql`lower(email)`, '=', email.toLowerCase()).where('id', '<>', id).executeTakeFirst();
    return row !== undefined;
  }

  async list(db: Db, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: UserRow[]; total: number }> {
    const base = applyFilters(db.selectFrom('userAccount'), filters);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await applySort(base.select(COLUMNS), sort, 'id').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async searchByUsername(db: Db, fragment: string, limit: number, offset: number): Promise<{ rows: { id: string; username: string }[]; total: number }> {
    const base = db.selectFrom('userAccount').where('username', 'ilike', containsPattern(fragment));
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.select(['id', 'username']).orderBy('username').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async updateProfile(db: Db, id: string, profile: { email?: string; realname?: string; comment?: string }): Promise<boolean> {
    const result = await db
      .updateTable('userAccount')
      .set({ ...profile, updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async updatePasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
    await db.updateTable('userAccount').set({ passwordHash, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  async updateCliSecretHash(db: Db, id: string, cliSecretHash: string): Promise<void> {
    await db.updateTable('userAccount').set({ cliSecretHash, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  /** An administrator's decision: from now on the flag is theirs, and a directory's admin group no longer takes it back. */
  async updateSysadmin(db: Db, id: string, sysadmin: boolean): Promise<void> {
    await db.updateTable('userAccount').set({ sysadmin, adminRoleInAuth: false, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  async delete(db: Db, id: string): Promise<boolean> {
    const result = await db.deleteFrom('userAccount').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
