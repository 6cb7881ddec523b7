import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Keys that sign registry tokens. In the database, not a replica's disk,
    -- so every replica signs and verifies with the same keys.
    CREATE TABLE signing_key (
      kid text PRIMARY KEY,
      algorithm text NOT NULL,
      private_key_pem text NOT NULL,
      public_jwk jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      retired_at timestamptz
    );
  `.execute(db);
}
