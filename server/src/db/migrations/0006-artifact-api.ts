import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE repository
      ADD COLUMN description text NOT NULL DEFAULT '',
      ADD COLUMN pull_count bigint NOT NULL DEFAULT 0,
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    -- Listing a project's repositories by name, and a repository's artifacts by push time, stay index scans at any size.
    CREATE INDEX repository_project_name ON repository (project_id, name);

    -- What Harbor shows of an artifact, worked out once at push: its type, the
    -- attributes read from its config, and its size with everything it needs
    -- (manifest + config + layers; an index adds its children).
    ALTER TABLE artifact
      ADD COLUMN type text NOT NULL DEFAULT 'UNKNOWN',
      ADD COLUMN extra_attrs jsonb,
      ADD COLUMN total_size bigint NOT NULL DEFAULT 0,
      ADD COLUMN pull_time timestamptz;
    UPDATE artifact SET total_size = size;
    CREATE INDEX artifact_repository_pushed ON artifact (repository_id, pushed_at DESC, id DESC);

    ALTER TABLE tag ADD COLUMN pull_time timestamptz;
  `.execute(db);
}
