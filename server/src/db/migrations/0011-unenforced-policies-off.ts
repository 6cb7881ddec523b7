import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Berth stored these image policies without enforcing them, so a project could say "content trust on"
    -- while unsigned images were pulled. Turning them on is now refused until Berth enforces them; a
    -- value stored before says what Berth does: off. (Harbor's clients then read the truth, and sending
    -- a project's settings back unchanged no longer fails.)
    UPDATE project
       SET metadata = metadata || (
             SELECT jsonb_object_agg(key, 'false')
               FROM jsonb_each_text(metadata)
              WHERE key IN ('enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'auto_scan', 'auto_sbom_generation')
                AND value <> 'false')
     WHERE EXISTS (
             SELECT 1 FROM jsonb_each_text(metadata)
              WHERE key IN ('enable_content_trust', 'enable_content_trust_cosign', 'prevent_vul', 'auto_scan', 'auto_sbom_generation')
                AND value <> 'false')
  `.execute(db);
}
