import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Harbor's immutable tag rules: one repository selector and one tag selector each (doublestar patterns).
    -- The same pair of selectors twice in a project is Harbor's "immutable rule already exists".
    CREATE TABLE immutable_tag_rule (
      id bigserial PRIMARY KEY,
      project_id bigint NOT NULL REFERENCES project (id) ON DELETE CASCADE,
      priority integer NOT NULL DEFAULT 0,
      disabled boolean NOT NULL DEFAULT false,
      repository_decoration text NOT NULL CHECK (repository_decoration IN ('repoMatches', 'repoExcludes')),
      repository_pattern text NOT NULL,
      tag_decoration text NOT NULL CHECK (tag_decoration IN ('matches', 'excludes')),
      tag_pattern text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (project_id, repository_decoration, repository_pattern, tag_decoration, tag_pattern)
    );

    -- Harbor's tag retention policy: at most one per project (the project's retention_id metadata names it).
    -- Rules and trigger are kept as Harbor's JSON, validated on the way in.
    CREATE TABLE retention_policy (
      id bigserial PRIMARY KEY,
      project_id bigint NOT NULL UNIQUE REFERENCES project (id) ON DELETE CASCADE,
      algorithm text NOT NULL CHECK (algorithm = 'or'),
      rules jsonb NOT NULL,
      trigger jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
