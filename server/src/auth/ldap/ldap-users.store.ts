import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { AuthSource, Database } from '../../db/schema.ts';

type Executor = Db | Transaction<Database>;

/** What Berth keeps of a directory user: the row is refreshed from the directory at every full login. */
export interface LdapAccountValues {
  username: string;
  /** The entry's DN, normalised (ldap-filter.ts normalizeDn). */
  externalId: string;
  email: string;
  realname: string;
  groupIds: string[];
  sysadmin: boolean;
  adminRoleInAuth: boolean;
}

export interface LdapAccountRow {
  id: string;
  username: string;
  sysadmin: boolean;
  adminRoleInAuth: boolean;
}

/**
 * The e-mail unless another account already uses it (addresses are unique),
 * in which case the user is kept without one rather than refused.
 */
function emailUnlessTaken(email: string, exceptId: string | undefined) {
  if (email === '') return null;
  return sql<string | null>`CASE WHEN EXISTS (SELECT 1 FROM user_account o WHERE lower(o.email) = lower(${email}) AND o.id <> ${exceptId ?? 0}) THEN NULL ELSE ${email} END`;
}

/** SQL for user accounts that come from an LDAP directory, and for the LDAP groups they map to. */
export class LdapUsersStore {
  /** Where the account holding `username` comes from, if one does. */
  async sourceOf(db: Executor, username: string): Promise<AuthSource | undefined> {
    return (await db.selectFrom('userAccount').select('authSource').where('username', '=', username).executeTakeFirst())?.authSource;
  }

  /**
   * The directory user's row, locked: found by DN, or else by name (the
   * entry moved to another DN since the last login).
   */
  async findForUpdate(trx: Transaction<Database>, externalId: string, username: string): Promise<LdapAccountRow | undefined> {
    return await trx
      .selectFrom('userAccount')
      .select(['id', 'username', 'sysadmin', 'adminRoleInAuth'])
      .where('authSource', '=', 'ldap')
      .where((eb) => eb.or([eb('externalId', '=', externalId), eb('username', '=', username)]))
      .orderBy(sql`external_id = ${externalId}`, 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst();
  }

  async existsByDnOrName(db: Executor, externalId: string, username: string): Promise<boolean> {
    const row = await db
      .selectFrom('userAccount')
      .select('id')
      .where((eb) => eb.or([eb.and([eb('authSource', '=', 'ldap'), eb('externalId', '=', externalId)]), eb('username', '=', username)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Ids of the LDAP user groups (type 1) with these DNs, given normalised (and so lower-case). */
  async ldapGroupIds(db: Executor, normalizedDns: string[]): Promise<string[]> {
    if (normalizedDns.length === 0) return [];
    const rows = await db
      .selectFrom('userGroup')
      .select('id')
      .where('groupType', '=', 1)
      .where(sql`lower(ldap_group_dn)`, 'in', normalizedDns)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async insert(db: Executor, values: LdapAccountValues): Promise<string> {
    const row = await db
      .insertInto('userAccount')
      .values({ ...values, email: emailUnlessTaken(values.email, undefined), authSource: 'ldap', passwordHash: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async update(trx: Transaction<Database>, id: string, values: LdapAccountValues): Promise<void> {
    await trx
      .updateTable('userAccount')
      .set({ ...values, email: emailUnlessTaken(values.email, id), updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .execute();
  }
}
