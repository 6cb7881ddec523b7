import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Users from LDAP and OIDC have no local password; external_id is the LDAP DN
    -- or the OIDC issuer + subject. group_ids are the user's directory groups as
    -- of the last login, so registry logins with a cached password or a CLI
    -- secret see the same groups the last full login saw.
    ALTER TABLE user_account
      ALTER COLUMN password_hash DROP NOT NULL,
      ADD COLUMN auth_source text NOT NULL DEFAULT 'db' CHECK (auth_source IN ('db', 'ldap', 'oidc')),
      ADD COLUMN external_id text,
      ADD COLUMN group_ids bigint[] NOT NULL DEFAULT '{}',
      ADD COLUMN admin_role_in_auth boolean NOT NULL DEFAULT false,
      ADD COLUMN cli_secret_hash text;
    CREATE UNIQUE INDEX user_account_external ON user_account (auth_source, external_id) WHERE external_id IS NOT NULL;

    -- Harbor's group types: 1 LDAP, 2 HTTP, 3 OIDC.
    CREATE TABLE user_group (
      id bigserial PRIMARY KEY,
      group_name text NOT NULL,
      group_type smallint NOT NULL CHECK (group_type IN (1, 2, 3)),
      ldap_group_dn text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX user_group_ldap_dn ON user_group (lower(ldap_group_dn)) WHERE group_type = 1;
    CREATE UNIQUE INDEX user_group_name ON user_group (group_type, group_name) WHERE group_type <> 1;

    -- Public/private and the other Harbor project metadata live in metadata (string values, as Harbor's API has them).
    CREATE TABLE project (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      owner_id bigint REFERENCES user_account (id) ON DELETE SET NULL,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    INSERT INTO project (name, metadata) VALUES ('library', '{"public": "true"}');

    -- Repositories created before projects existed join the project named by their first path segment.
    INSERT INTO project (name)
      SELECT DISTINCT split_part(name, '/', 1) FROM repository
      ON CONFLICT (name) DO NOTHING;
    -- RESTRICT: a project is deleted only when it holds no repository.
    ALTER TABLE repository ADD COLUMN project_id bigint REFERENCES project (id) ON DELETE RESTRICT;
    UPDATE repository r SET project_id = p.id FROM project p WHERE p.name = split_part(r.name, '/', 1);
    ALTER TABLE repository ALTER COLUMN project_id SET NOT NULL;
    CREATE INDEX repository_project ON repository (project_id);

    CREATE TABLE project_member (
      id bigserial PRIMARY KEY,
      project_id bigint NOT NULL REFERENCES project (id) ON DELETE CASCADE,
      entity_type text NOT NULL CHECK (entity_type IN ('u', 'g')),
      user_id bigint REFERENCES user_account (id) ON DELETE CASCADE,
      group_id bigint REFERENCES user_group (id) ON DELETE CASCADE,
      role smallint NOT NULL CHECK (role BETWEEN 1 AND 5),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((entity_type = 'u' AND user_id IS NOT NULL AND group_id IS NULL) OR (entity_type = 'g' AND group_id IS NOT NULL AND user_id IS NULL)),
      UNIQUE (project_id, user_id),
      UNIQUE (project_id, group_id)
    );
    CREATE INDEX project_member_user ON project_member (user_id);
    CREATE INDEX project_member_group ON project_member (group_id);

    -- Robot accounts. name is the full login name (prefix included).
    CREATE TABLE robot (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      description text NOT NULL DEFAULT '',
      secret_hash text NOT NULL,
      level text NOT NULL CHECK (level IN ('system', 'project')),
      project_id bigint REFERENCES project (id) ON DELETE CASCADE,
      duration integer NOT NULL,
      expires_at timestamptz,
      disabled boolean NOT NULL DEFAULT false,
      creator_type text NOT NULL DEFAULT '',
      creator_ref text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (level = 'system' OR project_id IS NOT NULL)
    );
    -- One row per permission entry. A project namespace is held by id, so a
    -- robot never gains access to a project deleted and re-created under its name.
    CREATE TABLE robot_permission (
      id bigserial PRIMARY KEY,
      robot_id bigint NOT NULL REFERENCES robot (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('system', 'project')),
      namespace text NOT NULL,
      project_id bigint REFERENCES project (id) ON DELETE CASCADE,
      access jsonb NOT NULL,
      CHECK (kind = 'system' OR namespace = '*' OR project_id IS NOT NULL)
    );
    CREATE INDEX robot_permission_robot ON robot_permission (robot_id);

    -- Portal sessions, shared by all replicas. id_hash is a SHA-256 of the cookie value.
    CREATE TABLE session (
      id_hash text PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    );
    CREATE INDEX session_by_user ON session (user_id);
    CREATE INDEX session_expires ON session (expires_at);

    -- OIDC logins between redirect and callback (state → nonce and PKCE verifier).
    CREATE TABLE oidc_login (
      state text PRIMARY KEY,
      nonce text NOT NULL,
      code_verifier text NOT NULL,
      redirect_url text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now()
    );

    -- Harbor's audit-log-ext. project_id has no foreign key: history outlives projects.
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      project_id bigint,
      event_type text NOT NULL,
      resource_type text NOT NULL,
      resource text NOT NULL,
      username text NOT NULL,
      operation text NOT NULL,
      operation_description text NOT NULL DEFAULT '',
      operation_result boolean NOT NULL DEFAULT true,
      op_time timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_log_time ON audit_log (op_time DESC);
    CREATE INDEX audit_log_project ON audit_log (project_id, op_time DESC);

    -- Settings an administrator changes through /api/v2.0/configurations (Harbor's user-scope keys).
    CREATE TABLE system_setting (
      key text PRIMARY KEY,
      value jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
}
