import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An OIDC sign-in whose user still has to choose a username (oidc_auto_onboard off):
    -- the identity the provider vouched for, kept server-side until the onboarding form is sent.
    ALTER TABLE oidc_login ADD COLUMN identity jsonb;
  `.execute(db);
}
