import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE repository (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- One row per stored digest. A 'live' row always has its bytes in storage:
    -- upload finalize writes bytes and row under the same per-digest lock.
    CREATE TABLE blob (
      digest text PRIMARY KEY,
      size bigint NOT NULL CHECK (size >= 0),
      state text NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'deleting')),
      touched_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Which repositories may read a blob: pushed or mounted there.
    CREATE TABLE repository_blob (
      repository_id bigint NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
      digest text NOT NULL REFERENCES blob (digest) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (repository_id, digest)
    );
    CREATE INDEX repository_blob_digest ON repository_blob (digest);

    CREATE TABLE artifact (
      id bigserial PRIMARY KEY,
      repository_id bigint NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
      digest text NOT NULL,
      media_type text NOT NULL,
      artifact_type text,
      subject_digest text,
      size bigint NOT NULL,
      content bytea NOT NULL,
      annotations jsonb,
      pushed_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (repository_id, digest)
    );
    CREATE INDEX artifact_subject ON artifact (repository_id, subject_digest) WHERE subject_digest IS NOT NULL;

    -- Blobs a manifest needs (config and layers). RESTRICT: a referenced blob row cannot vanish.
    CREATE TABLE artifact_blob (
      artifact_id bigint NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
      digest text NOT NULL REFERENCES blob (digest) ON DELETE RESTRICT,
      PRIMARY KEY (artifact_id, digest)
    );
    CREATE INDEX artifact_blob_digest ON artifact_blob (digest);

    -- Index → child manifests. RESTRICT: a child cannot be deleted while an index needs it.
    CREATE TABLE artifact_reference (
      parent_id bigint NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
      child_id bigint NOT NULL REFERENCES artifact (id) ON DELETE RESTRICT,
      PRIMARY KEY (parent_id, child_id)
    );
    CREATE INDEX artifact_reference_child ON artifact_reference (child_id);

    CREATE TABLE tag (
      id bigserial PRIMARY KEY,
      repository_id bigint NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
      artifact_id bigint NOT NULL REFERENCES artifact (id) ON DELETE CASCADE,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (repository_id, name)
    );
    CREATE INDEX tag_artifact ON tag (artifact_id);

    -- Upload sessions live here (not in a process) so any replica can continue one.
    CREATE TABLE upload (
      id uuid PRIMARY KEY,
      repository_id bigint NOT NULL REFERENCES repository (id) ON DELETE CASCADE,
      size bigint NOT NULL DEFAULT 0,
      segments text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX upload_updated_at ON upload (updated_at);

    CREATE TABLE user_account (
      id bigserial PRIMARY KEY,
      username text NOT NULL UNIQUE,
      password_hash text NOT NULL,
      sysadmin boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
