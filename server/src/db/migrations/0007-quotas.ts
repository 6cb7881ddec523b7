import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Harbor's per-project storage quota. hard: bytes, -1 unlimited (Harbor
    -- accepts no 0). used: what the project's artifacts reference, each digest
    -- once (manifests, configs, layers), kept up to date in the transactions
    -- that add or remove artifacts; quotas/quotas.store.ts computes it from
    -- scratch the same way.
    CREATE TABLE quota (
      id bigserial PRIMARY KEY,
      project_id bigint NOT NULL UNIQUE REFERENCES project (id) ON DELETE CASCADE,
      hard bigint NOT NULL CHECK (hard = -1 OR hard > 0),
      used bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    -- Existing projects start unlimited, with their current usage.
    INSERT INTO quota (project_id, hard, used)
      SELECT p.id, -1, coalesce((
        SELECT sum(size) FROM (
          SELECT c.digest, max(c.size) AS size FROM (
            SELECT a.digest, a.size FROM artifact a JOIN repository r ON r.id = a.repository_id WHERE r.project_id = p.id
            UNION ALL
            SELECT b.digest, b.size FROM artifact_blob ab
              JOIN artifact a ON a.id = ab.artifact_id
              JOIN repository r ON r.id = a.repository_id
              JOIN blob b ON b.digest = ab.digest
              WHERE r.project_id = p.id
          ) c GROUP BY c.digest
        ) u
      ), 0)
      FROM project p;
  `.execute(db);
}
