import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { BerthEvent, StoredEvent } from './events.ts';
import { ANNOUNCED_EVENT_TYPES, CHANGES_CHANNEL, type AnnouncedChange } from './change-listener.ts';

/** Rows per INSERT: 7 parameters each stays far below PostgreSQL's 65 535 per statement. */
const INSERT_CHUNK = 1_000;

/**
 * Writes `event` in the caller's transaction, so it exists if and only if the
 * change it describes commits. Readers (event-reader.ts) see it once it has.
 * Changes that processes cache (ANNOUNCED_EVENT_TYPES) are also announced to
 * every process's ChangeListener, by a NOTIFY PostgreSQL delivers at commit.
 */
export async function appendEvent(trx: Transaction<Database>, event: BerthEvent): Promise<void> {
  await appendEvents(trx, [event]);
}

export async function appendEvents(trx: Transaction<Database>, events: readonly BerthEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('event')
      .values(
        events.slice(i, i + INSERT_CHUNK).map((event) => ({
          type: event.type,
          operator: event.operator,
          projectId: event.projectId ?? null,
          resourceType: event.resourceType,
          resource: event.resource,
          payload: JSON.stringify({ ...(event.description !== undefined && { description: event.description }), ...(event.success !== undefined && { success: event.success }) }),
        })),
      )
      .execute();
  }
  await announce(
    trx,
    events.filter((event) => ANNOUNCED_EVENT_TYPES.has(event.type)).map((event) => ({ type: event.type, resource: event.resource })),
  );
}

/**
 * Tells every process's ChangeListener of `changes` when the caller's
 * transaction commits (never if it rolls back). PostgreSQL delivers the same
 * announcement made twice in one transaction once.
 */
export async function announce(trx: Transaction<Database>, changes: readonly AnnouncedChange[]): Promise<void> {
  const payloads = [...new Set(changes.map((change) => JSON.stringify({ type: change.type, resource: change.resource } satisfies AnnouncedChange)))];
  if (payloads.length > 0) await sql`SELECT pg_notify(${CHANGES_CHANNEL}, payload) FROM unnest(${payloads}::text[]) AS payload`.execute(trx);
}

/** SQL of the readers' side: cursors, reading in commit order, and pruning what every reader has applied. */
export class OutboxStore {
  async ensureCursor(db: Db, consumer: string): Promise<void> {
    await db.insertInto('eventCursor').values({ consumer }).onConflict((oc) => oc.column('consumer').doNothing()).execute();
  }

  /** The consumer's cursor, locked for this transaction; undefined when another transaction holds it and `wait` is false. */
  async claimCursor(trx: Transaction<Database>, consumer: string, wait: boolean): Promise<{ txid: string; lastId: string } | undefined> {
    const query = trx.selectFrom('eventCursor').select(['txid', 'lastId']).where('consumer', '=', consumer).forUpdate();
    return await (wait ? query : query.skipLocked()).executeTakeFirst();
  }

  /**
   * Up to `limit` events after the cursor, in (txid, id) order, of transactions
   * older than every transaction still running: those are all committed or
   * rolled back, so no event can appear before the last one read later.
   */
  async after(trx: Transaction<Database>, cursor: { txid: string; lastId: string }, limit: number): Promise<(StoredEvent & { txid: string })[]> {
    const rows = await trx
      .selectFrom('event')
      .selectAll()
      .where(sql<boolean>`(txid, id) > (${cursor.txid}::xid8, ${cursor.lastId}::bigint)`)
      .where(sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())`)
      .orderBy('txid')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(({ payload, ...row }) => ({ ...row, ...(payload as { description?: string; success?: boolean }) }) as StoredEvent & { txid: string });
  }

  /** Whether events are ready for `consumer` (a lock-free look, so an idle poll takes no transaction id). */
  async ready(db: Db, consumer: string): Promise<boolean> {
    const row = await db
      .selectFrom('event')
      .innerJoin('eventCursor', (join) => join.on('eventCursor.consumer', '=', consumer))
      .select('event.id')
      .where(sql<boolean>`(event.txid, event.id) > (event_cursor.txid, event_cursor.last_id)`)
      .where(sql<boolean>`event.txid < pg_snapshot_xmin(pg_current_snapshot())`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether committed events after the cursor wait for an older transaction still running. */
  async heldBack(trx: Transaction<Database>, cursor: { txid: string; lastId: string }): Promise<boolean> {
    const row = await trx
      .selectFrom('event')
      .select('id')
      .where(sql<boolean>`(txid, id) > (${cursor.txid}::xid8, ${cursor.lastId}::bigint)`)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async advance(trx: Transaction<Database>, consumer: string, to: { txid: string; id: string }): Promise<void> {
    await trx.updateTable('eventCursor').set({ txid: to.txid, lastId: to.id }).where('consumer', '=', consumer).execute();
  }

  /** The cursors of these consumers (those that have run: a consumer's row appears at its first batch). */
  async cursors(db: Db, consumers: readonly string[]): Promise<{ consumer: string; txid: string; lastId: string }[]> {
    if (consumers.length === 0) return [];
    return await db.selectFrom('eventCursor').select(['consumer', 'txid', 'lastId']).where('consumer', 'in', [...consumers]).execute();
  }

  /** The database's now() less `ageMs`: pruning's cutoff, whatever the clocks of the processes. */
  async cutoff(db: Db, ageMs: number): Promise<Date> {
    return (await sql<{ cutoff: Date }>`SELECT now() - make_interval(secs => ${ageMs / 1000}) AS cutoff`.execute(db)).rows[0]!.cutoff;
  }

  /**
   * Deletes, oldest first, up to `limit` events at or before `upTo` in
   * readers' order and older than `before`, in a statement of its own, and
   * says how many.
   */
  async deletePassed(db: Db, upTo: { txid: string; lastId: string }, before: Date, limit: number): Promise<number> {
    const result = await sql`
      DELETE FROM event WHERE id IN (
        SELECT id FROM event
        WHERE (txid, id) <= (${upTo.txid}::xid8, ${upTo.lastId}::bigint) AND occurred_at < ${before}
        ORDER BY txid, id LIMIT ${limit})`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  }
}
