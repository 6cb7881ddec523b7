import { sql, type Transaction } from 'kysely';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';

type Conn = Db | Transaction<Database>;

/** Harbor's group type of groups that come from an OIDC claim. */
const OIDC_GROUP_TYPE = 3;

export interface PendingOidcLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUrl: string;
  identity: Record<string, unknown> | null;
}

export interface OidcUserRow {
  id: string;
  username: string;
  sysadmin: boolean;
  adminRoleInAuth: boolean;
}

const PENDING_COLUMNS = ['state', 'nonce', 'codeVerifier', 'redirectUrl', 'identity'] as const;
const USER_COLUMNS = ['id', 'username', 'sysadmin', 'adminRoleInAuth'] as const;

function freshWithin(minutes: number) {
  return sql<boolean>`created_at > now() - make_interval(mins => ${minutes}::int)`;
}

/** SQL for OIDC sign-ins in progress (oidc_login) and the OIDC users and groups they create. */
export class OidcLoginStore {
  async insertPending(db: Conn, login: { state: string; nonce: string; codeVerifier: string; redirectUrl: string; identity?: Record<string, unknown> }): Promise<void> {
    const { identity, ...rest } = login;
    await db
      .insertInto('oidcLogin')
      .values({ ...rest, identity: identity === undefined ? null : JSON.stringify(identity) })
      .execute();
  }

  async deleteStale(db: Conn, minutes: number): Promise<void> {
    await db.deleteFrom('oidcLogin').where(sql<boolean>`NOT ${freshWithin(minutes)}`).execute();
  }

  /** Consumes a sign-in begun within `minutes`: awaiting the provider's callback (no identity) or its onboarding form (identity). */
  async take(db: Conn, state: string, stage: 'callback' | 'onboarding', minutes: number): Promise<PendingOidcLogin | undefined> {
    return await db
      .deleteFrom('oidcLogin')
      .where('state', '=', state)
      .where('identity', stage === 'callback' ? 'is' : 'is not', null)
      .where(freshWithin(minutes))
      .returning(PENDING_COLUMNS)
      .executeTakeFirst();
  }

  async findOnboarding(db: Conn, state: string, minutes: number): Promise<PendingOidcLogin | undefined> {
    return await db.selectFrom('oidcLogin').select(PENDING_COLUMNS).where('state', '=', state).where('identity', 'is not', null).where(freshWithin(minutes)).executeTakeFirst();
  }

  async findUser(db: Conn, externalId: string): Promise<OidcUserRow | undefined> {
    return await db.selectFrom('userAccount').select(USER_COLUMNS).where('authSource', '=', 'oidc').where('externalId', '=', externalId).executeTakeFirst();
  }

  async usernameTaken(db: Conn, username: string): Promise<boolean> {
    return (await db.selectFrom('userAccount').select('id').where('username', '=', username).executeTakeFirst()) !== undefined;
  }

  async emailTaken(db: Conn, email: string): Promise<boolean> {
    return (await db.selectFrom('userAccount').select('id').where(sql`lower(email)`, '=', email.toLowerCase()).executeTakeFirst()) !== undefined;
  }

  async insertUser(db: Conn, user: { username: string; email: string | null; externalId: string }): Promise<OidcUserRow> {
    return await db
      .insertInto('userAccount')
      .values({ username: user.username, email: user.email, externalId: user.externalId, authSource: 'oidc', passwordHash: null, sysadmin: false })
      .returning(USER_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async updateUserAuthorization(db: Conn, id: string, change: { groupIds: string[]; sysadmin: boolean; adminRoleInAuth: boolean }): Promise<void> {
    await db
      .updateTable('userAccount')
      .set({ ...change, updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .execute();
  }

  /** The ids of the OIDC groups named, creating those that do not exist yet; also answers which were created. */
  async upsertGroups(db: Conn, names: string[]): Promise<{ ids: string[]; created: string[] }> {
    if (names.length === 0) return { ids: [], created: [] };
    const created = await db
      .insertInto('userGroup')
      .values(names.map((groupName) => ({ groupName, groupType: OIDC_GROUP_TYPE })))
      // The unique index on (group_type, group_name) is partial (LDAP groups are unique by DN instead).
      .onConflict((oc) => oc.columns(['groupType', 'groupName']).where('groupType', '<>', sql.lit(1)).doNothing())
      .returning('groupName')
      .execute();
    const rows = await db.selectFrom('userGroup').select('id').where('groupType', '=', OIDC_GROUP_TYPE).where('groupName', 'in', names).orderBy('id').execute();
    return { ids: rows.map((row) => row.id), created: created.map((row) => row.groupName) };
  }
}
