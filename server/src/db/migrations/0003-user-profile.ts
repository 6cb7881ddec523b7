import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE user_account
      ADD COLUMN email text,
      ADD COLUMN realname text NOT NULL DEFAULT '',
      ADD COLUMN comment text NOT NULL DEFAULT '',
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    -- Harbor treats e-mail addresses as unique, case-insensitively.
    CREATE UNIQUE INDEX user_account_email ON user_account (lower(email)) WHERE email IS NOT NULL AND email <> '';
  `.execute(db);
}
