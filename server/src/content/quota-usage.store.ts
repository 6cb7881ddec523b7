import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

type Executor = Db | Transaction<Database>;

/** A digest the project's artifacts may reference, with its size: a manifest, config or layer. */
export interface Content {
  digest: string;
  size: number;
}

/** SQL condition: an artifact of the project is the manifest `digest` or references it as config or layer. */
function referenced(projectId: string, digest: ReturnType<typeof sql.ref>) {
  return sql<boolean>`(EXISTS (SELECT 1 FROM artifact a JOIN repository r ON r.id = a.repository_id WHERE r.project_id = ${projectId} AND a.digest = ${digest})
    OR EXISTS (SELECT 1 FROM artifact_blob ab JOIN artifact a ON a.id = ab.artifact_id JOIN repository r ON r.id = a.repository_id
               WHERE r.project_id = ${projectId} AND ab.digest = ${digest}))`;
}

/**
 * SQL for the quota ledger (content/quota-ledger.ts): the usage side of the
 * quota table, which changes with content and so is written only here; the
 * limits are quotas/' own.
 */
export class QuotaUsageStore {
  async projectOfRepository(db: Executor, repositoryId: string): Promise<string | undefined> {
    return (await db.selectFrom('repository').select('projectId').where('id', '=', repositoryId).executeTakeFirst())?.projectId;
  }

  /**
   * Transaction-scoped advisory locks, taken in one statement in a fixed
   * order (project key first, then digest keys sorted) so transactions never
   * wait on each other in a cycle, whatever the modes.
   *
   * `digests` undefined: the project key exclusively — nothing else in the
   * project changes until commit. Otherwise the project key shared plus one
   * key per digest: exclusive, or with `optimistic` shared for the digests
   * the project references at the start of the statement. Returns the
   * digests locked shared.
   */
  async lock(trx: Transaction<Database>, projectId: string, digests: string[] | undefined, optimistic: boolean): Promise<Set<string>> {
    const projectKey = `quota:${projectId}`;
    const keys =
      digests === undefined
        ? sql`SELECT 0 AS ord, NULL::text AS digest, hashtextextended(${projectKey}, 0) AS k, false AS shared`
        : sql`SELECT 0 AS ord, NULL::text AS digest, hashtextextended(${projectKey}, 0) AS k, true AS shared
              UNION ALL
              SELECT 1, d, hashtextextended(${projectKey} || ':' || d, 0), ${optimistic}::boolean AND ${referenced(projectId, sql.ref('d'))}
              FROM (SELECT DISTINCT unnest(${digests}::text[]) AS d) AS u`;
    // The subquery sorts before the outer query calls the lock functions row by row.
    const { rows } = await sql<{ digest: string | null; shared: boolean }>`
      SELECT l.digest, l.shared, CASE WHEN l.shared THEN pg_advisory_xact_lock_shared(l.k) ELSE pg_advisory_xact_lock(l.k) END AS locked
      FROM (${keys} ORDER BY ord, k) AS l`.execute(trx);
    return new Set(rows.filter((row) => row.digest !== null && row.shared).map((row) => row.digest!));
  }

  /** Those of `content` that no artifact of the project references. */
  async unreferenced(db: Executor, projectId: string, content: Content[]): Promise<Content[]> {
    if (content.length === 0) return [];
    const { rows } = await sql<{ digest: string; size: string }>`
      SELECT c.digest, c.size
      FROM (SELECT DISTINCT ON (digest) digest, size FROM unnest(${content.map((c) => c.digest)}::text[], ${content.map((c) => String(c.size))}::bigint[]) AS c(digest, size)) c
      WHERE NOT ${referenced(projectId, sql.ref('c.digest'))}`.execute(db);
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }

  /** What the manifest `digest` in the repository references: itself, its config and layers. Empty when it is not there. */
  async contentOfArtifact(db: Executor, repositoryId: string, digest: string): Promise<Content[]> {
    const { rows } = await sql<{ digest: string; size: string }>`
      SELECT a.digest, a.size FROM artifact a WHERE a.repository_id = ${repositoryId} AND a.digest = ${digest}
      UNION
      SELECT b.digest, b.size FROM artifact a JOIN artifact_blob ab ON ab.artifact_id = a.id JOIN blob b ON b.digest = ab.digest
      WHERE a.repository_id = ${repositoryId} AND a.digest = ${digest}`.execute(db);
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }

  /** What all of the repository's artifacts reference. */
  async contentOfRepository(db: Executor, repositoryId: string): Promise<Content[]> {
    const { rows } = await sql<{ digest: string; size: string }>`
      SELECT a.digest, a.size FROM artifact a WHERE a.repository_id = ${repositoryId}
      UNION
      SELECT b.digest, b.size FROM artifact a JOIN artifact_blob ab ON ab.artifact_id = a.id JOIN blob b ON b.digest = ab.digest
      WHERE a.repository_id = ${repositoryId}`.execute(db);
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }

  /**
   * Adds `delta` bytes to the project's usage in one statement: the quota row
   * is locked only from here to commit. With `limit`, a positive delta is
   * applied only while the result stays within the hard limit (PostgreSQL
   * re-checks the condition on the newest row version after waiting for a
   * concurrent update). A negative delta never fails. Returns the row as
   * found (applied or not), undefined when the project has no quota.
   */
  /** The project's limit and recorded usage. */
  async findQuota(db: Executor, projectId: string): Promise<{ hard: number; used: number } | undefined> {
    const row = await db.selectFrom('quota').select(['hard', 'used']).where('projectId', '=', projectId).executeTakeFirst();
    return row && { hard: Number(row.hard), used: Number(row.used) };
  }

  async addUsage(trx: Transaction<Database>, projectId: string, delta: number, limit: boolean): Promise<{ applied: boolean; used: number; hard: number } | undefined> {
    const updated = await trx
      .updateTable('quota')
      .set({ used: sql`greatest(used + ${delta}::bigint, 0)` as never })
      .where('projectId', '=', projectId)
      .where(sql<boolean>`(NOT ${limit}::boolean OR ${delta}::bigint <= 0 OR hard < 0 OR used + ${delta}::bigint <= hard)`)
      .returning(['used', 'hard'])
      .executeTakeFirst();
    if (updated) return { applied: true, used: Number(updated.used), hard: Number(updated.hard) };
    const current = await trx.selectFrom('quota').select(['used', 'hard']).where('projectId', '=', projectId).executeTakeFirst();
    return current && { applied: false, used: Number(current.used), hard: Number(current.hard) };
  }
}
