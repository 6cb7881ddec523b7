import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The oldest migration a Berth must know to run on this database: raised to each breaking migration as it
    -- is applied (schema-compatibility.ts), left alone by expand-only ones. One row; Berth before this migration
    -- refused every migration it did not know, so a Berth must know this one at least.
    CREATE TABLE schema_compatibility (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      minimum_migration text NOT NULL
    );
    INSERT INTO schema_compatibility (minimum_migration) VALUES ('0019-schema-compatibility');
  `.execute(db);
}
