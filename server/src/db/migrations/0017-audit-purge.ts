import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The audit-log purge deletes, a batch at a time, the rows of the chosen event types older than the
    -- retention: by type and time, each batch is an index range scan, however many rows of other types
    -- or newer ones there are.
    CREATE INDEX audit_log_type_time ON audit_log (event_type, op_time);
  `.execute(db);
}
