import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Garbage collection sweeps the rows it marked 'deleting' (and a killed
    -- run's leftovers first) a page at a time: this index holds only those,
    -- so each page is an index range scan however many live blobs there are.
    CREATE INDEX blob_deleting ON blob (digest) WHERE state = 'deleting';
  `.execute(db);
}
