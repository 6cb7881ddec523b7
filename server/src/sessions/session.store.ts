import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AuthSource, Database } from '../db/schema.ts';

type Conn = Db | Transaction<Database>;

/** A session with its user, and how its expiry stands by the database clock. */
export interface SessionWithUser {
  csrfToken: string;
  /** Not yet expired. */
  live: boolean;
  /** Due for its sliding extension (last extended more than a minute ago). */
  due: boolean;
  userId: string;
  username: string;
  sysadmin: boolean;
  authSource: AuthSource;
  groupIds: string[];
}

/** now() + `minutes`, on the database clock, which every replica shares. */
function inMinutes(minutes: number) {
  return sql<Date>`now() + make_interval(mins => ${minutes}::int)`;
}

/** SQL for portal sessions. Only hashes of session ids reach the database. */
export class SessionStore {
  async insert(db: Conn, session: { idHash: string; userId: string; csrfToken: string; timeoutMinutes: number }): Promise<void> {
    await db
      .insertInto('session')
      .values({ idHash: session.idHash, userId: session.userId, csrfToken: session.csrfToken, expiresAt: inMinutes(session.timeoutMinutes) })
      .execute();
  }

  async findWithUser(db: Conn, idHash: string, timeoutMinutes: number): Promise<SessionWithUser | undefined> {
    return await db
      .selectFrom('session as s')
      .innerJoin('userAccount as u', 'u.id', 's.userId')
      .select([
        's.csrfToken',
        sql<boolean>`s.expires_at > now()`.as('live'),
        sql<boolean>`s.expires_at < ${inMinutes(timeoutMinutes)} - interval '1 minute'`.as('due'),
        'u.id as userId',
        'u.username',
        'u.sysadmin',
        'u.authSource',
        'u.groupIds',
      ])
      .where('s.idHash', '=', idHash)
      .executeTakeFirst();
  }

  async extend(db: Conn, idHash: string, timeoutMinutes: number): Promise<void> {
    await db.updateTable('session').set({ expiresAt: inMinutes(timeoutMinutes) }).where('idHash', '=', idHash).execute();
  }

  /** Deletes the session; answers whose it was, if it existed. */
  async delete(db: Conn, idHash: string): Promise<string | undefined> {
    const row = await db
      .deleteFrom('session')
      .using('userAccount')
      .whereRef('userAccount.id', '=', 'session.userId')
      .where('session.idHash', '=', idHash)
      .returning('userAccount.username')
      .executeTakeFirst();
    return row?.username;
  }

  async deleteExpired(db: Conn): Promise<void> {
    await db.deleteFrom('session').where('expiresAt', '<=', sql<Date>`now()`).execute();
  }
}
