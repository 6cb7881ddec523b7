import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The transactional outbox: every change writes its event here in its own transaction, so an event
    -- exists if and only if its change committed. txid is the writing transaction's id: readers order by
    -- (txid, id) and read only below the oldest transaction still running, so an event whose transaction
    -- took a smaller id but commits later is never passed over (ids alone are handed out before commit).
    -- project_id has no foreign key: the events of a project outlive it, as its audit log does.
    CREATE TABLE event (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
      type text NOT NULL,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      operator text NOT NULL,
      project_id bigint,
      resource_type text NOT NULL,
      resource text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX event_order ON event (txid, id);

    -- Each reader's position in the outbox: the (txid, id) of the last event it applied.
    CREATE TABLE event_cursor (
      consumer text PRIMARY KEY,
      txid xid8 NOT NULL DEFAULT '0',
      last_id bigint NOT NULL DEFAULT 0
    );
  `.execute(db);
}
