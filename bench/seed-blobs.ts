/**
 * Seeds a Berth database and its filesystem storage with many blobs for the garbage-collection bench:
 * pushing 1 000 000 blobs through HTTP would take hours, GC needs only rows and bytes that agree.
 *
 *   node bench/seed-blobs.ts <berth-data-dir> <blobs> [referenced-share]
 *
 * (Berth's embedded PostgreSQL, found through the data directory as bench/seed-artifacts.ts does; bytes
 * under <data-dir>/registry, the filesystem driver's default root.) What it makes, in repository
 * `library/gc-bench` (library exists on every install):
 *   - <blobs> blobs, blob i holding the bytes "berth gc bench blob <i>\n" (tiny: the bench measures
 *     GC's per-blob work, not disk bandwidth), each a `live` row touched a day ago — older than GC's
 *     default time window — and linked to the repository, as an upload leaves it;
 *   - of those, the first <referenced-share> (default 0.1) are used by tagged artifacts of four blobs
 *     each (a config and three layers, in a real OCI manifest stored in the artifact row), so GC must
 *     keep them; the rest are garbage;
 *   - the project's quota usage recounted (QuotasStore.computeUsage), as pushes would have left it.
 * Seeding again with the same or a larger count adds only what is missing.
 *
 * Rows: set-based SQL (generate_series; PostgreSQL computes each digest with sha256()), one transaction,
 * then VACUUM ANALYZE — as fast as COPY, without a client-side stream. Bytes: worker threads, one
 * share of the indexes each, writing with synchronous calls (one thread each, no libuv pool to queue
 * on), concurrently with the SQL.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { createDatabase, type Db } from '../server/src/db/database.ts';
import { QuotasStore } from '../server/src/quotas/quotas.store.ts';

export const GC_BENCH_REPOSITORY = 'library/gc-bench';
const BLOBS_PER_ARTIFACT = 4;

export interface SeedBlobsOptions {
  /** The Berth database (migrated). */
  db: Db;
  /** The filesystem driver's root directory. */
  storageRoot: string;
  blobs: number;
  /** Share of the blobs that tagged artifacts use (rounded down to whole artifacts of four blobs). Default 0.1. */
  referencedShare?: number;
  /** Threads writing bytes (default: twice the machine's parallelism — they wait on the filesystem's metadata more than they compute). */
  writers?: number;
}

export interface SeedBlobsResult {
  blobs: number;
  referenced: number;
  artifacts: number;
  /** Milliseconds: rows (until commit), bytes (all writers), and the whole seeding with VACUUM ANALYZE. */
  rowsMs: number;
  bytesMs: number;
  totalMs: number;
}

/** Blob i's bytes: the same in SQL (seeded rows) and here (written files). */
export function seededBlobBytes(i: number): Buffer {
  return Buffer.from(`berth gc bench blob ${i}\n`);
}
const CONTENT_SQL = (i: string) => `convert_to('berth gc bench blob ' || ${i} || E'\\n', 'UTF8')`;

export async function seedBlobs(options: SeedBlobsOptions): Promise<SeedBlobsResult> {
  const started = Date.now();
  const artifacts = Math.floor((options.blobs * (options.referencedShare ?? 0.1)) / BLOBS_PER_ARTIFACT);
  const bytes = writeBytes(options.storageRoot, options.blobs, options.writers ?? 2 * availableParallelism());
  const rows = insertRows(options.db, options.blobs, artifacts).then(() => Date.now() - started);
  const [rowsMs, bytesMs] = await Promise.all([rows, bytes.then(() => Date.now() - started)]);
  await options.db.connection().execute(async (connection) => {
    await sql`SET statement_timeout = 0`.execute(connection);
    try {
      await sql`VACUUM ANALYZE blob, repository_blob, artifact, artifact_blob, tag`.execute(connection);
    } finally {
      await sql`RESET statement_timeout`.execute(connection);
    }
  });
  return { blobs: options.blobs, referenced: artifacts * BLOBS_PER_ARTIFACT, artifacts, rowsMs, bytesMs, totalMs: Date.now() - started };
}

async function insertRows(db: Db, blobs: number, artifacts: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // A million rows take minutes on a small machine: beyond Berth's statement timeout, which guards requests.
    await sql`SET LOCAL statement_timeout = 0`.execute(trx);
    await sql`SET LOCAL idle_in_transaction_session_timeout = 0`.execute(trx);
    const project = await trx.selectFrom('project').select('id').where('name', '=', GC_BENCH_REPOSITORY.split('/')[0]!).executeTakeFirstOrThrow();
    await trx.insertInto('repository').values({ name: GC_BENCH_REPOSITORY, projectId: project.id }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const repository = await trx.selectFrom('repository').select('id').where('name', '=', GC_BENCH_REPOSITORY).executeTakeFirstOrThrow();
    await sql`
      WITH c AS (SELECT ${sql.raw(CONTENT_SQL('g'))} AS bytes FROM generate_series(0, ${blobs}::int - 1) g),
      b AS (
        INSERT INTO blob (digest, size, state, touched_at, created_at)
        SELECT 'sha256:' || encode(sha256(c.bytes), 'hex'), length(c.bytes), 'live', now() - interval '1 day', now() - interval '1 day' FROM c
        ON CONFLICT (digest) DO NOTHING
        RETURNING digest
      )
      INSERT INTO repository_blob (repository_id, digest) SELECT ${repository.id}, digest FROM b ON CONFLICT DO NOTHING`.execute(trx);
    // Artifact k uses blobs 4k (config) .. 4k+3 (layers); its manifest names them with their real digests and sizes.
    await sql`
      WITH d AS (
        SELECT g / ${BLOBS_PER_ARTIFACT}::int AS k, g % ${BLOBS_PER_ARTIFACT}::int AS slot,
               'sha256:' || encode(sha256(${sql.raw(CONTENT_SQL('g'))}), 'hex') AS digest, octet_length(${sql.raw(CONTENT_SQL('g'))}) AS size
          FROM generate_series(0, ${artifacts * BLOBS_PER_ARTIFACT}::int - 1) g
      ),
      m AS (
        SELECT k, convert_to(jsonb_build_object(
                 'schemaVersion', 2,
                 'mediaType', 'application/vnd.oci.image.manifest.v1+json',
                 'config', (array_agg(jsonb_build_object('mediaType', 'application/vnd.oci.image.config.v1+json', 'digest', digest, 'size', size)) FILTER (WHERE slot = 0))[1],
                 'layers', jsonb_agg(jsonb_build_object('mediaType', 'application/vnd.oci.image.layer.v1.tar+gzip', 'digest', digest, 'size', size) ORDER BY slot) FILTER (WHERE slot > 0)
               )::text, 'UTF8') AS bytes,
               sum(size) AS blob_bytes
          FROM d GROUP BY k
      ),
      a AS (
        INSERT INTO artifact (repository_id, digest, media_type, size, content, type, total_size, pushed_at)
        SELECT ${repository.id}, 'sha256:' || encode(sha256(m.bytes), 'hex'), 'application/vnd.oci.image.manifest.v1+json', length(m.bytes), m.bytes,
               'IMAGE', length(m.bytes) + m.blob_bytes, now() - interval '1 day'
          FROM m
        ON CONFLICT (repository_id, digest) DO NOTHING
        RETURNING id, convert_from(content, 'UTF8')::jsonb AS manifest
      ),
      t AS (INSERT INTO tag (repository_id, artifact_id, name) SELECT ${repository.id}, a.id, 'gc-' || a.id FROM a)
      INSERT INTO artifact_blob (artifact_id, digest)
      SELECT a.id, a.manifest #>> '{config,digest}' FROM a
      UNION ALL
      SELECT a.id, l ->> 'digest' FROM a, jsonb_array_elements(a.manifest -> 'layers') l`.execute(trx);
    const used = await new QuotasStore().computeUsage(trx, project.id);
    await trx.updateTable('quota').set({ used }).where('projectId', '=', project.id).execute();
  });
}

/** Writes blob i's bytes at blobs/sha256/<xx>/<hex>/data for every i < count, split over `writers` threads. */
async function writeBytes(root: string, count: number, writers: number): Promise<void> {
  for (let prefix = 0; prefix < 256; prefix++) mkdirSync(join(root, 'blobs', 'sha256', prefix.toString(16).padStart(2, '0')), { recursive: true });
  const threads = Math.max(1, Math.min(writers, count));
  await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { root, from: Math.floor((count * t) / threads), to: Math.floor((count * (t + 1)) / threads) } });
      return new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`blob writer exited with ${code}`))));
      });
    }),
  );
}

function writeShare(root: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const bytes = seededBlobBytes(i);
    const hex = createHash('sha256').update(bytes).digest('hex');
    const dir = join(root, 'blobs', 'sha256', hex.slice(0, 2), hex);
    try {
      // Not recursive: the 256 prefix directories exist, and one mkdir is a third of the metadata work.
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    writeFileSync(join(dir, 'data'), bytes);
  }
}

if (!isMainThread && parentPort) {
  const { root, from, to } = workerData as { root: string; from: number; to: number };
  writeShare(root, from, to);
} else if (isMainThread && import.meta.main) {
  const [dataDir, blobsArg, shareArg] = process.argv.slice(2);
  if (!dataDir || !blobsArg) {
    console.error('usage: seed-blobs.ts <berth-data-dir> <blobs> [referenced-share]');
    process.exit(2);
  }
  // Berth's embedded PostgreSQL (server/src/db/embedded-postgres.ts), as bench/seed-artifacts.ts finds it.
  const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
  const port = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
  const db = createDatabase(`postgres://berth:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, 2);
  try {
    const result = await seedBlobs({ db, storageRoot: join(dataDir, 'registry'), blobs: Number(blobsArg), ...(shareArg && { referencedShare: Number(shareArg) }) });
    console.log(
      `seeded ${result.blobs} blobs (${result.referenced} used by ${result.artifacts} artifacts) into ${GC_BENCH_REPOSITORY}: ` +
        `rows ${(result.rowsMs / 1000).toFixed(1)} s, bytes ${(result.bytesMs / 1000).toFixed(1)} s, total ${(result.totalMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.destroy();
  }
}
