import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- /metrics counts artifacts by repository and type (harbor_project_artifact_total): an index-only scan
    -- of this narrow index instead of reading every artifact row, manifests included.
    CREATE INDEX artifact_repository_type ON artifact (repository_id, type);
  `.execute(db);
}
