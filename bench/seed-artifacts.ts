/**
 * Seeds Berth's embedded PostgreSQL with many artifacts and repositories for
 * the listing measurements of `npm run bench`: pushing 100 000 images through
 * HTTP would take far longer than the measurements themselves.
 *
 *   node bench/seed-artifacts.ts <berth-data-dir> <template-repo> <artifacts> <repos-project> <repositories>
 *
 * <template-repo> (e.g. bench/many) must already hold one image pushed
 * through the registry: every seeded artifact is a copy of that artifact's
 * row with its own manifest — the template's manifest with one extra
 * annotation, so each digest is the sha256 of the bytes stored for it and a
 * seeded manifest can even be pulled. Seeded artifacts need the template's
 * blobs (artifact_blob rows, and repository_blob links for new
 * repositories), so nothing dangles. Then:
 *   - <template-repo> is filled up to <artifacts> artifacts, each tagged
 *     build-NNNNNN, pushed five minutes apart going back from now;
 *   - project <repos-project> (created through the API beforehand) is filled
 *     up to <repositories> repositories svc-NNNNN holding one artifact each,
 *     tagged latest.
 * Sizes (total_size) vary between 16 and 527 MiB, as real images would;
 * they are only shown and sorted on, nothing adds them up here.
 *
 * Everything is set-based SQL (generate_series) in one transaction, followed
 * by VACUUM ANALYZE of the tables written: autovacuum would do the same
 * within a minute or so of such a bulk insert, and the listings should be
 * measured in that steady state rather than against missing statistics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const [dataDir, templateRepo, artifactsArg, reposProject, reposArg] = process.argv.slice(2);
if (!dataDir || !templateRepo || !artifactsArg || !reposProject || !reposArg) {
  console.error('usage: seed-artifacts.ts <berth-data-dir> <template-repo> <artifacts> <repos-project> <repositories>');
  process.exit(2);
}
const wantArtifacts = Number(artifactsArg);
const wantRepositories = Number(reposArg);

// Berth's embedded PostgreSQL (server/src/db/embedded-postgres.ts): superuser
// `berth`, password in the data volume, port on line 4 of postmaster.pid;
// Berth's tables live in the maintenance database `postgres`, its default.
const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
const port = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
const client = new pg.Client({ host: '127.0.0.1', port, user: 'berth', password, database: 'postgres' });
await client.connect();

const one = async <T>(text: string, values: unknown[] = []): Promise<T> => (await client.query(text, values)).rows[0] as T;

try {
  const started = Date.now();
  const template = await one<{ id: string; repository_id: string } | undefined>(
    `SELECT a.id, a.repository_id FROM artifact a JOIN repository r ON r.id = a.repository_id
      WHERE r.name = $1 AND a.subject_digest IS NULL ORDER BY a.id LIMIT 1`,
    [templateRepo],
  );
  if (!template) throw new Error(`${templateRepo} holds no artifact to copy: push one image there first`);
  const project = await one<{ id: string } | undefined>('SELECT id FROM project WHERE name = $1', [reposProject]);
  if (!project) throw new Error(`project ${reposProject} does not exist: create it through the API first`);

  await client.query('BEGIN');
  // The template's manifest with annotation org.berth.bench.seq = $seq, as bytes.
  const manifestOf = (seq: string) => `convert_to(jsonb_set(
      convert_from(t.content, 'UTF8')::jsonb, '{annotations}',
      coalesce(convert_from(t.content, 'UTF8')::jsonb -> 'annotations', '{}') || jsonb_build_object('org.berth.bench.seq', ${seq})
    )::text, 'UTF8')`;
  const size = `(16 + abs(hashtext(m.seq)) % 512) * 1048576::bigint`;

  const have = Number((await one<{ n: string }>('SELECT count(*) AS n FROM artifact WHERE repository_id = $1', [template.repository_id])).n);
  const addArtifacts = Math.max(0, wantArtifacts - have);
  await client.query(
    `WITH t AS (SELECT * FROM artifact WHERE id = $1),
     m AS (SELECT g, lpad(g::text, 6, '0') AS seq FROM generate_series($3::int + 1, $3::int + $4::int) g),
     c AS (SELECT m.g, m.seq, ${manifestOf('m.seq')} AS bytes, ${size} AS total_size FROM t, m),
     ins AS (
       INSERT INTO artifact (repository_id, digest, media_type, artifact_type, size, content, annotations, pushed_at, type, extra_attrs, total_size)
       SELECT $2, 'sha256:' || encode(sha256(c.bytes), 'hex'), t.media_type, t.artifact_type, length(c.bytes), c.bytes,
              convert_from(c.bytes, 'UTF8')::jsonb -> 'annotations', now() - ($3::int + $4::int + 1 - c.g) * interval '5 minutes',
              t.type, t.extra_attrs, c.total_size
         FROM t, c
       RETURNING id, pushed_at, annotations ->> 'org.berth.bench.seq' AS seq
     ),
     tags AS (
       INSERT INTO tag (repository_id, artifact_id, name, created_at, updated_at)
       SELECT $2, ins.id, 'build-' || ins.seq, ins.pushed_at, ins.pushed_at FROM ins
     )
     INSERT INTO artifact_blob (artifact_id, digest)
     SELECT ins.id, ab.digest FROM ins CROSS JOIN (SELECT digest FROM artifact_blob WHERE artifact_id = $1) ab`,
    [template.id, template.repository_id, have, addArtifacts],
  );

  const haveRepos = Number(
    (await one<{ n: string }>('SELECT count(*) AS n FROM repository r WHERE r.project_id = $1 AND EXISTS (SELECT 1 FROM artifact a WHERE a.repository_id = r.id)', [project.id])).n,
  );
  const addRepos = Math.max(0, wantRepositories - haveRepos);
  await client.query(
    `WITH t AS (SELECT * FROM artifact WHERE id = $1),
     tb AS (SELECT digest FROM artifact_blob WHERE artifact_id = $1),
     m AS (SELECT g, $3::text || '/svc-' || lpad(g::text, 5, '0') AS seq FROM generate_series($4::int + 1, $4::int + $5::int) g),
     repos AS (
       INSERT INTO repository (name, project_id, created_at, updated_at)
       SELECT m.seq, $2, now() - ($4::int + $5::int + 1 - m.g) * interval '1 hour', now() - ($4::int + $5::int + 1 - m.g) * interval '1 hour' FROM m
       RETURNING id, name, created_at
     ),
     links AS (INSERT INTO repository_blob (repository_id, digest) SELECT repos.id, tb.digest FROM repos CROSS JOIN tb),
     c AS (SELECT repos.id AS repository_id, repos.created_at, ${manifestOf('m.seq')} AS bytes, ${size} AS total_size FROM t, repos JOIN m ON m.seq = repos.name),
     ins AS (
       INSERT INTO artifact (repository_id, digest, media_type, artifact_type, size, content, annotations, pushed_at, type, extra_attrs, total_size)
       SELECT c.repository_id, 'sha256:' || encode(sha256(c.bytes), 'hex'), t.media_type, t.artifact_type, length(c.bytes), c.bytes,
              convert_from(c.bytes, 'UTF8')::jsonb -> 'annotations', c.created_at, t.type, t.extra_attrs, c.total_size
         FROM t, c
       RETURNING id, repository_id, pushed_at
     ),
     tags AS (
       INSERT INTO tag (repository_id, artifact_id, name, created_at, updated_at)
       SELECT ins.repository_id, ins.id, 'latest', ins.pushed_at, ins.pushed_at FROM ins
     )
     INSERT INTO artifact_blob (artifact_id, digest) SELECT ins.id, tb.digest FROM ins CROSS JOIN tb`,
    [template.id, project.id, reposProject, haveRepos, addRepos],
  );
  await client.query('COMMIT');
  const inserted = Date.now();
  await client.query('VACUUM ANALYZE repository, repository_blob, artifact, artifact_blob, tag');
  console.log(
    `seeded ${addArtifacts} artifacts into ${templateRepo} and ${addRepos} repositories into ${reposProject} in ${((inserted - started) / 1000).toFixed(1)} s` +
      ` (+ ${((Date.now() - inserted) / 1000).toFixed(1)} s VACUUM ANALYZE)`,
  );
} catch (error) {
  await client.query('ROLLBACK').catch(() => {});
  throw error;
} finally {
  await client.end();
}
