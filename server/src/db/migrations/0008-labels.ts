import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Harbor's labels: global (scope g, no project) or of one project (scope p).
    -- A project's labels go with the project.
    CREATE TABLE label (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      color text NOT NULL DEFAULT '',
      scope text NOT NULL CHECK (scope IN ('g', 'p')),
      project_id bigint REFERENCES project (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((scope = 'g') = (project_id IS NULL))
    );
    -- Names are unique among global labels and within each project; a project label may share a global label's name.
    CREATE UNIQUE INDEX label_global_name ON label (name) WHERE scope = 'g';
    CREATE UNIQUE INDEX label_project_name ON label (project_id, name) WHERE scope = 'p';

    -- Deleting a label detaches it everywhere; deleting an artifact drops its labels.
    CREATE TABLE artifact_label (
      artifact_id bigint NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
      label_id bigint NOT NULL REFERENCES label (id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (artifact_id, label_id)
    );
    CREATE INDEX artifact_label_label ON artifact_label (label_id);
  `.execute(db);
}
