import { visibleProject, type Visibility } from '../projects/projects.store.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { BACKUP_FENCE, SWEEPING } from '../db/advisory-locks.ts';

/** Either the pool or an open transaction: every method runs inside whatever it is given. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface ArtifactRow {
  id: string;
  digest: string;
  mediaType: string;
  size: number;
  content: Buffer;
  subjectDigest: string | null;
}

export interface ReferrerRow {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: Record<string, string> | null;
}

/**
 * SQL for repository content — repositories, blobs and their links, uploads,
 * artifacts, references and tags: one method per query, no rules. Every
 * INSERT, UPDATE and DELETE on these tables is here, whichever API a change
 * comes through (single-owner.test.ts keeps it so).
 */
export class ContentStore {
  async findRepositoryId(db: Executor, name: string): Promise<string | undefined> {
    const row = await db.selectFrom('repository').select('id').where('name', '=', name).executeTakeFirst();
    return row?.id;
  }

  /** The repository's id, creating it in project `projectName`; undefined when that project does not exist. */
  async ensureRepository(db: Executor, name: string, projectName: string): Promise<string | undefined> {
    const existing = await this.findRepositoryId(db, name);
    if (existing) return existing;
    const inserted = await db
      .insertInto('repository')
      .columns(['name', 'projectId'])
      .expression((eb) => eb.selectFrom('project').select([eb.val(name).as('name'), 'id']).where('name', '=', projectName))
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted?.id ?? (await this.findRepositoryId(db, name));
  }

  async updateRepositoryDescription(db: Executor, id: string, description: string): Promise<void> {
    await db.updateTable('repository').set({ description, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  /**
   * Deletes the repository with its artifacts and tags. Index → child
   * references are removed first so the RESTRICT on children does not depend
   * on the order PostgreSQL cascades in. Blobs stay for garbage collection.
   */
  async deleteRepository(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('artifactReference').where('parentId', 'in', trx.selectFrom('artifact').select('id').where('repositoryId', '=', id)).execute();
    await trx.deleteFrom('repository').where('id', '=', id).execute();
  }

  /** Deletes the project's repositories that hold no artifact (blob links and uploads only). */
  async deleteEmptyRepositories(trx: Transaction<Database>, projectId: string): Promise<void> {
    await trx
      .deleteFrom('repository as r')
      .where('r.projectId', '=', projectId)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('artifact as a').select('a.id').whereRef('a.repositoryId', '=', 'r.id'))))
      .execute();
  }

  /** A live blob that the named repository may read, or undefined. One query, no locks: the pull path. */
  async findLinkedBlob(db: Executor, repository: string, digest: string): Promise<{ size: number } | undefined> {
    const row = await db
      .selectFrom('repositoryBlob as rb')
      .innerJoin('repository as r', 'r.id', 'rb.repositoryId')
      .innerJoin('blob as b', 'b.digest', 'rb.digest')
      .select('b.size')
      .where('r.name', '=', repository)
      .where('rb.digest', '=', digest)
      .where('b.state', '=', 'live')
      .executeTakeFirst();
    return row ? { size: Number(row.size) } : undefined;
  }

  /** Serialises everything that writes or deletes one digest's bytes (upload finalize, mount, GC). */
  async lockDigest(trx: Transaction<Database>, digest: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${digest}, 0))`.execute(trx);
  }

  async findBlobForUpdate(trx: Transaction<Database>, digest: string): Promise<{ size: number; state: string } | undefined> {
    const row = await trx.selectFrom('blob').select(['size', 'state']).where('digest', '=', digest).forUpdate().executeTakeFirst();
    return row ? { size: Number(row.size), state: row.state } : undefined;
  }

  async findLiveBlobForShare(trx: Transaction<Database>, digest: string): Promise<{ size: number } | undefined> {
    const row = await trx.selectFrom('blob').select('size').where('digest', '=', digest).where('state', '=', 'live').forShare().executeTakeFirst();
    return row ? { size: Number(row.size) } : undefined;
  }

  async upsertLiveBlob(trx: Transaction<Database>, digest: string, size: number): Promise<void> {
    await trx
      .insertInto('blob')
      .values({ digest, size, state: 'live' })
      .onConflict((oc) => oc.column('digest').doUpdateSet({ state: 'live', size, touchedAt: sql`now()` } as never))
      .execute();
  }

  async linkBlob(db: Executor, repositoryId: string, digest: string): Promise<void> {
    await db.insertInto('repositoryBlob').values({ repositoryId, digest }).onConflict((oc) => oc.doNothing()).execute();
  }

  async unlinkBlob(db: Executor, repositoryId: string, digest: string): Promise<boolean> {
    const result = await db.deleteFrom('repositoryBlob').where('repositoryId', '=', repositoryId).where('digest', '=', digest).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * Of `digests`, those that are live and linked to the repository (with their sizes), the blob
   * rows and their links locked FOR SHARE so garbage collection can neither mark the blob nor
   * delete the link before commit (it locks both FOR UPDATE SKIP LOCKED).
   * Shared locks: concurrent pushes of the same base layer do not queue.
   * Blobs first, in digest order, then the links of those still live: one statement locking both
   * (a join) could hold the link of a blob a collection had just marked — PostgreSQL drops the
   * row once it re-reads the blob, not the lock — and the sweep deleting that blob (whose links
   * go with it) then waited on this push while it waited on the sweep's next blob: a deadlock.
   */
  async lockLinkedBlobsForShare(trx: Transaction<Database>, repositoryId: string, digests: string[]): Promise<Map<string, number>> {
    if (digests.length === 0) return new Map();
    const live = await trx.selectFrom('blob').select(['digest', 'size']).where('digest', 'in', digests).where('state', '=', 'live').orderBy('digest').forShare().execute();
    if (live.length === 0) return new Map();
    const linked = await trx
      .selectFrom('repositoryBlob')
      .select('digest')
      .where('repositoryId', '=', repositoryId)
      .where('digest', 'in', live.map((row) => row.digest))
      .orderBy('digest')
      .forShare()
      .execute();
    const isLinked = new Set(linked.map((row) => row.digest));
    return new Map(live.filter((row) => isLinked.has(row.digest)).map((row) => [row.digest, Number(row.size)]));
  }

  // Uploads

  async createUpload(db: Executor, id: string, repositoryId: string): Promise<void> {
    await db.insertInto('upload').values({ id, repositoryId, size: 0 }).execute();
  }

  async findUpload(db: Executor, id: string, repositoryId: string): Promise<{ size: number; segments: string[] } | undefined> {
    const row = await db.selectFrom('upload').select(['size', 'segments']).where('id', '=', id).where('repositoryId', '=', repositoryId).executeTakeFirst();
    return row ? { size: Number(row.size), segments: row.segments } : undefined;
  }

  /**
   * Records a written segment only if nobody else extended the upload since
   * `expectedSize` was read: optimistic, so no lock is held while bytes stream.
   */
  async appendSegment(db: Executor, id: string, expectedSize: number, segment: string, segmentSize: number): Promise<boolean> {
    const result = await db
      .updateTable('upload')
      .set({
        size: sql`size + ${segmentSize}` as never,
        segments: sql`array_append(segments, ${segment})` as never,
        updatedAt: sql`now()` as never,
      })
      .where('id', '=', id)
      .where('size', '=', String(expectedSize))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteUploadRow(db: Executor, id: string): Promise<boolean> {
    const result = await db.deleteFrom('upload').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async findUploadsIdleSince(db: Executor, before: Date): Promise<string[]> {
    const rows = await db.selectFrom('upload').select('id').where('updatedAt', '<', before).execute();
    return rows.map((r) => r.id);
  }

  async uploadExists(db: Executor, id: string): Promise<boolean> {
    return (await db.selectFrom('upload').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  // Manifests and tags

  async findArtifactByDigest(db: Executor, repository: string, digest: string): Promise<ArtifactRow | undefined> {
    const row = await db
      .selectFrom('artifact as a')
      .innerJoin('repository as r', 'r.id', 'a.repositoryId')
      .select(['a.id', 'a.digest', 'a.mediaType', 'a.size', 'a.content', 'a.subjectDigest'])
      .where('r.name', '=', repository)
      .where('a.digest', '=', digest)
      .executeTakeFirst();
    return row ? { ...row, size: Number(row.size) } : undefined;
  }

  async findArtifactByTag(db: Executor, repository: string, tag: string): Promise<ArtifactRow | undefined> {
    const row = await db
      .selectFrom('tag as t')
      .innerJoin('repository as r', 'r.id', 't.repositoryId')
      .innerJoin('artifact as a', 'a.id', 't.artifactId')
      .select(['a.id', 'a.digest', 'a.mediaType', 'a.size', 'a.content', 'a.subjectDigest'])
      .where('r.name', '=', repository)
      .where('t.name', '=', tag)
      .executeTakeFirst();
    return row ? { ...row, size: Number(row.size) } : undefined;
  }

  /** Child manifests by digest, locked FOR SHARE so they cannot be deleted before the index commits. */
  async lockArtifactsForShare(trx: Transaction<Database>, repositoryId: string, digests: string[]): Promise<Map<string, string>> {
    if (digests.length === 0) return new Map();
    const rows = await trx
      .selectFrom('artifact')
      .select(['id', 'digest'])
      .where('repositoryId', '=', repositoryId)
      .where('digest', 'in', digests)
      .forShare()
      .execute();
    return new Map(rows.map((r) => [r.digest, r.id]));
  }

  /** Inserts the artifact, or returns the existing one with the same digest (pushes are idempotent). */
  async insertArtifact(
    trx: Transaction<Database>,
    values: {
      repositoryId: string;
      digest: string;
      mediaType: string;
      artifactType: string | null;
      subjectDigest: string | null;
      content: Buffer;
      annotations: Record<string, string> | null;
      type: string;
      extraAttrs: Record<string, unknown> | null;
      totalSize: number;
    },
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await trx
      .insertInto('artifact')
      .values({
        ...values,
        size: values.content.length,
        annotations: values.annotations ? JSON.stringify(values.annotations) : null,
        extraAttrs: values.extraAttrs ? JSON.stringify(values.extraAttrs) : null,
      })
      .onConflict((oc) => oc.columns(['repositoryId', 'digest']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: inserted.id, created: true };
    const existing = await trx
      .selectFrom('artifact')
      .select('id')
      .where('repositoryId', '=', values.repositoryId)
      .where('digest', '=', values.digest)
      .executeTakeFirstOrThrow();
    return { id: existing.id, created: false };
  }

  /** The summed sizes of an index's children (each with everything it needs). */
  async sumTotalSizes(trx: Transaction<Database>, artifactIds: string[]): Promise<number> {
    if (artifactIds.length === 0) return 0;
    const row = await trx.selectFrom('artifact').select((eb) => eb.fn.sum<string>('totalSize').as('total')).where('id', 'in', artifactIds).executeTakeFirstOrThrow();
    return Number(row.total ?? 0);
  }

  async insertArtifactBlobs(trx: Transaction<Database>, artifactId: string, digests: string[]): Promise<void> {
    if (digests.length === 0) return;
    await trx
      .insertInto('artifactBlob')
      .values(digests.map((digest) => ({ artifactId, digest })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async insertArtifactReferences(trx: Transaction<Database>, parentId: string, childIds: string[]): Promise<void> {
    if (childIds.length === 0) return;
    await trx
      .insertInto('artifactReference')
      .values(childIds.map((childId) => ({ parentId, childId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async upsertTag(trx: Transaction<Database>, repositoryId: string, name: string, artifactId: string): Promise<void> {
    await trx
      .insertInto('tag')
      .values({ repositoryId, name, artifactId })
      .onConflict((oc) => oc.columns(['repositoryId', 'name']).doUpdateSet({ artifactId, updatedAt: sql`now()` } as never))
      .execute();
  }

  /** Creates a tag on the artifact unless the name is taken in the repository (Harbor's create never moves a tag). */
  async insertTag(db: Executor, repositoryId: string, artifactId: string, name: string): Promise<boolean> {
    const row = await db.insertInto('tag').values({ repositoryId, artifactId, name }).onConflict((oc) => oc.columns(['repositoryId', 'name']).doNothing()).returning('id').executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes the tag; with `artifactId`, only while it still points at that artifact. */
  async deleteTag(db: Executor, repositoryId: string, name: string, artifactId?: string): Promise<boolean> {
    let query = db.deleteFrom('tag').where('repositoryId', '=', repositoryId).where('name', '=', name);
    if (artifactId !== undefined) query = query.where('artifactId', '=', artifactId);
    const result = await query.executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Whether the repository has the tag (on `artifactId`, when given). */
  async hasTag(db: Executor, repositoryId: string, name: string, artifactId?: string): Promise<boolean> {
    let query = db.selectFrom('tag').select('id').where('repositoryId', '=', repositoryId).where('name', '=', name);
    if (artifactId !== undefined) query = query.where('artifactId', '=', artifactId);
    return (await query.executeTakeFirst()) !== undefined;
  }

  /** The digest the tag is on, the tag locked FOR SHARE (it stays until commit); undefined when there is no such tag. */
  async lockTagForShare(trx: Transaction<Database>, repositoryId: string, name: string): Promise<{ artifactId: string; digest: string } | undefined> {
    return await trx
      .selectFrom('tag')
      .innerJoin('artifact', 'artifact.id', 'tag.artifactId')
      .select(['tag.artifactId', 'artifact.digest'])
      .where('tag.repositoryId', '=', repositoryId)
      .where('tag.name', '=', name)
      .forShare('tag')
      .executeTakeFirst();
  }

  /** The names of the artifact's tags, or with 'repository' of every tag of the repository. */
  async tagNames(db: Executor, repositoryId: string, artifactId: string | 'repository'): Promise<string[]> {
    let query = db.selectFrom('tag').select('name').where('repositoryId', '=', repositoryId);
    if (artifactId !== 'repository') query = query.where('artifactId', '=', artifactId);
    return (await query.execute()).map((row) => row.name);
  }

  async isReferencedByIndex(db: Executor, artifactId: string): Promise<boolean> {
    return (await db.selectFrom('artifactReference').select('parentId').where('childId', '=', artifactId).executeTakeFirst()) !== undefined;
  }

  async lockArtifactForUpdate(trx: Transaction<Database>, repositoryId: string, digest: string): Promise<string | undefined> {
    const row = await trx.selectFrom('artifact').select('id').where('repositoryId', '=', repositoryId).where('digest', '=', digest).forUpdate().executeTakeFirst();
    return row?.id;
  }

  async deleteArtifact(trx: Transaction<Database>, artifactId: string): Promise<void> {
    await trx.deleteFrom('artifact').where('id', '=', artifactId).execute();
  }

  async listTags(db: Executor, repositoryId: string, after: string | undefined, limit: number): Promise<string[]> {
    let query = db.selectFrom('tag').select('name').where('repositoryId', '=', repositoryId);
    if (after !== undefined) query = query.where(sql<boolean>`name COLLATE "C" > ${after}`);
    const rows = await query.orderBy(sql`name COLLATE "C"`).limit(limit).execute();
    return rows.map((r) => r.name);
  }

  /** Repositories with at least one manifest, in byte order, in projects visible under `visibility`. */
  async listRepositories(db: Executor, visibility: Visibility, after: string | undefined, limit: number): Promise<string[]> {
    let query = db
      .selectFrom('repository as r')
      .innerJoin('project as p', 'p.id', 'r.projectId')
      .select('r.name')
      .where(({ exists, selectFrom }) => exists(selectFrom('artifact as a').select('a.id').whereRef('a.repositoryId', '=', 'r.id')));
    if (visibility.kind !== 'all') query = query.where(visibleProject(visibility, sql.ref('p.id'), sql.ref('p.metadata')));
    if (after !== undefined) query = query.where(sql<boolean>`r.name COLLATE "C" > ${after}`);
    const rows = await query.orderBy(sql`r.name COLLATE "C"`).limit(limit).execute();
    return rows.map((r) => r.name);
  }

  async listReferrers(db: Executor, repositoryId: string, subjectDigest: string, artifactType: string | undefined): Promise<ReferrerRow[]> {
    let query = db
      .selectFrom('artifact')
      .select(['digest', 'mediaType', 'size', 'artifactType', 'annotations'])
      .where('repositoryId', '=', repositoryId)
      .where('subjectDigest', '=', subjectDigest);
    if (artifactType !== undefined) query = query.where('artifactType', '=', artifactType);
    const rows = await query.orderBy('pushedAt').orderBy('id').execute();
    return rows.map((r) => ({ ...r, size: Number(r.size) }));
  }

  // Garbage collection (content/garbage.service.ts). Every candidate query is
  // followed, after its rows are locked, by a re-check in a new statement: a
  // NOT EXISTS evaluated by the locking statement saw that statement's
  // snapshot, which misses a reference committed while the row was locked.
  // `ignoring`: artifact ids a dry run counts as deleted (empty in a real run).

  /** The database clock minus `hours`: as text, so no precision is lost on its way back into queries, and in milliseconds. */
  async clockMinusHours(db: Executor, hours: number): Promise<{ text: string; ms: number }> {
    const { rows } = await sql<{ text: string; ms: string }>`
      SELECT c::text AS text, (extract(epoch FROM c) * 1000)::float8 AS ms FROM (SELECT now() - ${hours}::float8 * interval '1 hour' AS c) AS t`.execute(db);
    return { text: rows[0]!.text, ms: Number(rows[0]!.ms) };
  }

  /**
   * Untagged artifacts pushed before `cutoff` that nothing keeps: no index
   * refers to them and, for accessories, their subject is gone from the
   * repository. A page in id order after `after`.
   */
  async findUntaggedArtifacts(db: Executor, cutoff: string, ignoring: string[], after: string, limit: number): Promise<{ id: string; repositoryId: string; repository: string; digest: string }[]> {
    const { rows } = await sql<{ id: string; repositoryId: string; repository: string; digest: string }>`
      SELECT a.id, a.repository_id AS "repositoryId", r.name AS repository, a.digest
      FROM artifact a JOIN repository r ON r.id = a.repository_id
      WHERE a.id > ${after}::bigint AND NOT (a.id = ANY(${ignoring}::bigint[])) AND ${collectableArtifact(sql.ref('a'), cutoff, ignoring)}
      ORDER BY a.id LIMIT ${limit}`.execute(db);
    return rows;
  }

  /** Whether the artifact (locked by the caller) is still untagged, unreferenced and old enough to collect. */
  async isCollectableArtifact(trx: Transaction<Database>, artifactId: string, cutoff: string): Promise<boolean> {
    const { rows } = await sql`SELECT 1 FROM artifact a WHERE a.id = ${artifactId}::bigint AND ${collectableArtifact(sql.ref('a'), cutoff, [])}`.execute(trx);
    return rows.length > 0;
  }

  /**
   * Live blobs after `after` (digest order) that no artifact references and
   * nobody touched since `cutoff`, locked FOR UPDATE; rows a push or upload
   * holds are skipped, not waited for.
   */
  async lockUnreferencedBlobs(trx: Transaction<Database>, cutoff: string, ignoring: string[], after: string, limit: number): Promise<string[]> {
    // The references are bounded below by `after` too: PostgreSQL merges the two digest-ordered indexes,
    // and without the bound it reads artifact_blob from its first digest at every page.
    const { rows } = await sql<{ digest: string }>`
      SELECT b.digest FROM blob b
      WHERE b.digest > ${after} AND ${unreferencedBlob(sql.ref('b'), cutoff, ignoring, after)}
      ORDER BY b.digest LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx);
    return rows.map((r) => r.digest);
  }

  /** Of the locked `digests`, those still unreferenced (the re-check), with their sizes: what a dry run would mark. */
  async recheckUnreferencedBlobs(trx: Transaction<Database>, digests: string[], cutoff: string, ignoring: string[]): Promise<{ digest: string; size: number }[]> {
    if (digests.length === 0) return [];
    const { rows } = await sql<{ digest: string; size: string }>`
      SELECT b.digest, b.size FROM blob b WHERE b.digest = ANY(${digests}::text[]) AND ${unreferencedBlob(sql.ref('b'), cutoff, ignoring)}
      ORDER BY b.digest`.execute(trx);
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
  }

  /**
   * Of the locked `digests`, sets those still unreferenced 'deleting' and
   * returns them with their sizes, in digest order. Its own statement, so its
   * snapshot — taken after the rows were locked — is the re-check.
   */
  async markUnreferencedBlobs(trx: Transaction<Database>, digests: string[], cutoff: string): Promise<{ digest: string; size: number }[]> {
    if (digests.length === 0) return [];
    const { rows } = await sql<{ digest: string; size: string }>`
      UPDATE blob b SET state = 'deleting' WHERE b.digest = ANY(${digests}::text[]) AND ${unreferencedBlob(sql.ref('b'), cutoff, [])}
      RETURNING b.digest, b.size`.execute(trx);
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) })).sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }

  /** A page of blobs marked 'deleting' (by this run or a killed one), in digest order after `after`. */
  async findDeletingBlobs(db: Executor, after: string, limit: number): Promise<{ digest: string; size: number }[]> {
    const rows = await db.selectFrom('blob').select(['digest', 'size']).where('state', '=', 'deleting').where('digest', '>', after).orderBy('digest').limit(limit).execute();
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
  }

  /**
   * Per-digest advisory locks (lockDigest's keys) for several digests at
   * once, in key order so two holders of several never wait on each other
   * in a cycle.
   */
  async lockDigests(trx: Transaction<Database>, digests: string[]): Promise<void> {
    if (digests.length === 0) return;
    await sql`SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(d, 0) AS k FROM unnest(${digests}::text[]) AS d ORDER BY k) AS l`.execute(trx);
  }

  /**
   * Marks this transaction as sweeping (SWEEPING, shared, until it ends) and says whether no backup is
   * copying blobs (BACKUP_FENCE held by no session). See db/advisory-locks.ts for why two keys.
   */
  async sweepUnlessBackingUp(trx: Transaction<Database>): Promise<boolean> {
    await sql`SELECT pg_advisory_xact_lock_shared(${SWEEPING.space}::int, ${SWEEPING.key}::int)`.execute(trx);
    const { rows } = await sql<{ free: boolean }>`
      SELECT NOT EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND classid = ${BACKUP_FENCE.space}::int::oid AND objid = ${BACKUP_FENCE.key}::int::oid AND objsubid = 2 AND granted
      ) AS free`.execute(trx);
    return rows[0]!.free;
  }

  /** Of `digests`, the rows still 'deleting' (an upload may have revived one), locked FOR UPDATE. */
  async lockDeletingBlobs(trx: Transaction<Database>, digests: string[]): Promise<{ digest: string; size: number }[]> {
    if (digests.length === 0) return [];
    const rows = await trx.selectFrom('blob').select(['digest', 'size']).where('digest', 'in', digests).where('state', '=', 'deleting').orderBy('digest').forUpdate().execute();
    return rows.map((r) => ({ digest: r.digest, size: Number(r.size) }));
  }

  /** Deletes 'deleting' rows (their repository links go with them). */
  async deleteBlobRows(trx: Transaction<Database>, digests: string[]): Promise<void> {
    if (digests.length === 0) return;
    await trx.deleteFrom('blob').where('digest', 'in', digests).where('state', '=', 'deleting').execute();
  }

  /** Of `digests`, those with a blob row (in any state). */
  async knownBlobs(db: Executor, digests: string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const rows = await db.selectFrom('blob').select('digest').where('digest', 'in', digests).execute();
    return new Set(rows.map((r) => r.digest));
  }

  /**
   * Repository links, after (`afterRepository`, `afterDigest`), to blobs that
   * an artifact elsewhere references but none of the repository's — so the
   * link gives nothing a pull needs — with link and blob untouched since
   * `cutoff`; locked FOR UPDATE, skipping links a push holds. Links of blobs
   * no artifact references go with their blob, or stay with it.
   */
  async lockUnreferencedLinks(trx: Transaction<Database>, cutoff: string, ignoring: string[], after: { repositoryId: string; digest: string }, limit: number): Promise<{ repositoryId: string; digest: string }[]> {
    const { rows } = await sql<{ repositoryId: string; digest: string }>`
      SELECT rb.repository_id AS "repositoryId", rb.digest FROM repository_blob rb JOIN blob b ON b.digest = rb.digest
      WHERE (rb.repository_id, rb.digest) > (${after.repositoryId}::bigint, ${after.digest}) AND ${unreferencedLink(sql.ref('rb'), sql.ref('b'), cutoff, ignoring)}
      ORDER BY rb.repository_id, rb.digest LIMIT ${limit} FOR UPDATE OF rb SKIP LOCKED`.execute(trx);
    return rows;
  }

  /** Of the locked links, those still unreferenced (the re-check). */
  async recheckUnreferencedLinks(trx: Transaction<Database>, links: { repositoryId: string; digest: string }[], cutoff: string, ignoring: string[]): Promise<{ repositoryId: string; repository: string; digest: string }[]> {
    if (links.length === 0) return [];
    const { rows } = await sql<{ repositoryId: string; repository: string; digest: string }>`
      SELECT rb.repository_id AS "repositoryId", r.name AS repository, rb.digest
      FROM unnest(${links.map((l) => l.repositoryId)}::bigint[], ${links.map((l) => l.digest)}::text[]) AS k(repository_id, digest)
      JOIN repository_blob rb ON rb.repository_id = k.repository_id AND rb.digest = k.digest
      JOIN blob b ON b.digest = rb.digest JOIN repository r ON r.id = rb.repository_id
      WHERE ${unreferencedLink(sql.ref('rb'), sql.ref('b'), cutoff, ignoring)}
      ORDER BY rb.repository_id, rb.digest`.execute(trx);
    return rows;
  }

  async deleteLinks(trx: Transaction<Database>, links: { repositoryId: string; digest: string }[]): Promise<void> {
    if (links.length === 0) return;
    await sql`DELETE FROM repository_blob rb USING unnest(${links.map((l) => l.repositoryId)}::bigint[], ${links.map((l) => l.digest)}::text[]) AS k(repository_id, digest)
      WHERE rb.repository_id = k.repository_id AND rb.digest = k.digest`.execute(trx);
  }

  // Pull statistics, written in batches off the pull path

  async addPullCounts(trx: Transaction<Database>, counts: { repository: string; count: number }[]): Promise<void> {
    const values = sql.join(counts.map((c) => sql`(${c.repository}::text, ${c.count}::bigint)`));
    await sql`UPDATE repository r SET pull_count = r.pull_count + v.n FROM (VALUES ${values}) AS v(name, n) WHERE r.name = v.name`.execute(trx);
  }

  async touchArtifactPullTimes(trx: Transaction<Database>, artifacts: { repository: string; digest: string }[]): Promise<void> {
    const values = sql.join(artifacts.map((a) => sql`(${a.repository}::text, ${a.digest}::text)`));
    await sql`UPDATE artifact a SET pull_time = now() FROM repository r, (VALUES ${values}) AS v(name, digest)
      WHERE r.id = a.repository_id AND r.name = v.name AND a.digest = v.digest`.execute(trx);
  }

  async touchTagPullTimes(trx: Transaction<Database>, tags: { repository: string; tag: string }[]): Promise<void> {
    const values = sql.join(tags.map((t) => sql`(${t.repository}::text, ${t.tag}::text)`));
    await sql`UPDATE tag t SET pull_time = now() FROM repository r, (VALUES ${values}) AS v(name, tag)
      WHERE r.id = t.repository_id AND r.name = v.name AND t.name = v.tag`.execute(trx);
  }

  /** Project ids by name (a batch of pulls names its projects; one deleted meanwhile is absent). */
  /** Repositories and their pulls per project (/metrics): one aggregate over the repository table. */
  async repositoryTotalsByProject(db: Executor): Promise<{ projectId: string; repositories: number; pulls: number }[]> {
    const { rows } = await sql<{ projectId: string; repositories: string; pulls: string }>`
      SELECT project_id, count(*) AS repositories, coalesce(sum(pull_count), 0) AS pulls FROM repository GROUP BY project_id`.execute(db);
    return rows.map((row) => ({ projectId: row.projectId, repositories: Number(row.repositories), pulls: Number(row.pulls) }));
  }

  /** Artifacts per project and Harbor artifact type (/metrics). */
  async artifactTotalsByProject(db: Executor): Promise<{ projectId: string; type: string; artifacts: number }[]> {
    const { rows } = await sql<{ projectId: string; type: string; artifacts: string }>`
      SELECT r.project_id, a.type, count(*) AS artifacts FROM artifact a JOIN repository r ON r.id = a.repository_id GROUP BY r.project_id, a.type`.execute(db);
    return rows.map((row) => ({ projectId: row.projectId, type: row.type, artifacts: Number(row.artifacts) }));
  }

  async projectIdsNamed(db: Executor, names: string[]): Promise<Map<string, string>> {
    const rows = await db.selectFrom('project').select(['id', 'name']).where('name', 'in', names).execute();
    return new Map(rows.map((row) => [row.name, row.id]));
  }

  /** The project a repository belongs to (its events carry it). */
  async projectIdOfRepository(db: Executor, repositoryId: string): Promise<string | null> {
    const row = await db.selectFrom('repository').select('projectId').where('id', '=', repositoryId).executeTakeFirst();
    return row?.projectId ?? null;
  }
}

type Ref = ReturnType<typeof sql.ref>;

/** Artifact `a` has no tag, no index refers to it (but `ignoring` ones), no subject left in its repository, and was pushed before `cutoff`. */
function collectableArtifact(a: Ref, cutoff: string, ignoring: string[]) {
  return sql<boolean>`(${a}.pushed_at < ${cutoff}::timestamptz
    AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = ${a}.id)
    AND NOT EXISTS (SELECT 1 FROM artifact_reference ar WHERE ar.child_id = ${a}.id AND NOT (ar.parent_id = ANY(${ignoring}::bigint[])))
    AND (${a}.subject_digest IS NULL OR NOT EXISTS (
      SELECT 1 FROM artifact s WHERE s.repository_id = ${a}.repository_id AND s.digest = ${a}.subject_digest AND NOT (s.id = ANY(${ignoring}::bigint[])))))`;
}

/** Blob row `b` is live, untouched since `cutoff`, and no artifact (but `ignoring` ones) references it; `b` lies after `after` when given. */
function unreferencedBlob(b: Ref, cutoff: string, ignoring: string[], after?: string) {
  return sql<boolean>`(${b}.state = 'live' AND ${b}.touched_at < ${cutoff}::timestamptz
    AND NOT EXISTS (SELECT 1 FROM artifact_blob ab WHERE ab.digest = ${b}.digest${after === undefined ? sql`` : sql` AND ab.digest > ${after}`} AND NOT (ab.artifact_id = ANY(${ignoring}::bigint[]))))`;
}

/** Link `rb` (to live blob `b`) is old, no artifact of its repository references the blob, and some artifact elsewhere does. */
function unreferencedLink(rb: Ref, b: Ref, cutoff: string, ignoring: string[]) {
  return sql<boolean>`(${b}.state = 'live' AND ${rb}.created_at < ${cutoff}::timestamptz AND ${b}.touched_at < ${cutoff}::timestamptz
    AND NOT EXISTS (SELECT 1 FROM artifact_blob ab JOIN artifact a ON a.id = ab.artifact_id
                    WHERE ab.digest = ${rb}.digest AND a.repository_id = ${rb}.repository_id AND NOT (a.id = ANY(${ignoring}::bigint[])))
    AND EXISTS (SELECT 1 FROM artifact_blob ab WHERE ab.digest = ${rb}.digest AND NOT (ab.artifact_id = ANY(${ignoring}::bigint[]))))`;
}
