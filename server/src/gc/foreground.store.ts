import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/** SQL of garbage collection's look at what users are doing: reads only (events/ and content/ write these tables). */
export class ForegroundStore {
  /** The newest event's id, '0' when there is none. */
  async lastEventId(db: Db): Promise<string> {
    const { rows } = await sql<{ id: string }>`SELECT coalesce(max(id), 0)::text AS id FROM event`.execute(db);
    return rows[0]!.id;
  }

  /**
   * Whether, on any replica, a change not made by Berth itself committed an
   * event after `afterEventId` (a push, a delete, a pull's record) or an upload
   * session was started or extended in the last `seconds`; and the newest
   * event's id. Both through indexes, over the new rows only.
   */
  async activity(db: Db, afterEventId: string, seconds: number): Promise<{ active: boolean; lastEventId: string }> {
    const { rows } = await sql<{ active: boolean; id: string }>`
      SELECT EXISTS (SELECT 1 FROM event WHERE id > ${afterEventId}::bigint AND operator <> 'system')
          OR EXISTS (SELECT 1 FROM upload WHERE updated_at > now() - ${seconds}::float8 * interval '1 second') AS active,
             coalesce((SELECT max(id) FROM event), ${afterEventId}::bigint)::text AS id`.execute(db);
    return { active: rows[0]!.active, lastEventId: rows[0]!.id };
  }
}
