import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { applyFilters, applySort } from '../db/query-filters.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { visibleProject, type Visibility } from '../projects/projects.store.ts';

type Executor = Db | Transaction<Database>;

export interface RepositoryRow {
  id: string;
  projectId: string;
  name: string;
  description: string;
  pullCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A repository as Harbor shows it: with the number of its artifacts, counted only where shown. */
export interface RepositorySummary extends RepositoryRow {
  artifactCount: number;
}

export interface ArtifactRow {
  id: string;
  repositoryId: string;
  digest: string;
  mediaType: string;
  artifactType: string | null;
  subjectDigest: string | null;
  type: string;
  totalSize: number;
  extraAttrs: Record<string, unknown> | null;
  annotations: Record<string, string> | null;
  pushedAt: Date;
  pullTime: Date | null;
}

export interface TagRow {
  id: string;
  repositoryId: string;
  artifactId: string;
  name: string;
  pushTime: Date;
  pullTime: Date | null;
}

export interface ReferenceRow {
  parentId: string;
  childId: string;
  childDigest: string;
}

function selectRepositories(db: Executor) {
  return db
    .selectFrom('repository as r')
    .select(['r.id', 'r.projectId', 'r.name', 'r.description', sql<string>`r.pull_count`.as('pullCount'), 'r.createdAt', 'r.updatedAt']);
}

function toRepository<T extends { pullCount: string }>(row: T): Omit<T, 'pullCount'> & { pullCount: number } {
  return { ...row, pullCount: Number(row.pullCount) };
}

const artifactCount = sql<string>`(SELECT count(*) FROM artifact a WHERE a.repository_id = r.id)`.as('artifactCount');

/** The default artifact order, the same as Harbor portal's sort=-push_time (ties by id) so both read index artifact_listing. */
const NEWEST_FIRST: SortTerm = { field: 'push_time', column: 'a.pushed_at', descending: true };

const ARTIFACT_COLUMNS = ['a.id', 'a.repositoryId', 'a.digest', 'a.mediaType', 'a.artifactType', 'a.subjectDigest', 'a.type', 'a.totalSize', 'a.extraAttrs', 'a.annotations', 'a.pushedAt', 'a.pullTime'] as const;

function toArtifact<T extends Omit<ArtifactRow, 'totalSize'> & { totalSize: string }>(row: T): Omit<T, 'totalSize'> & { totalSize: number } {
  return { ...row, totalSize: Number(row.totalSize) };
}

/**
 * Artifacts a listing shows (as Harbor lists them): accessories (artifacts
 * with a subject) and untagged children of an index appear under their
 * subject or index instead.
 */
const LISTED = sql<boolean>`(a.subject_digest IS NULL AND (NOT EXISTS (SELECT 1 FROM artifact_reference ref WHERE ref.child_id = a.id) OR EXISTS (SELECT 1 FROM tag t WHERE t.artifact_id = a.id)))`;

/**
 * SQL for Harbor's repository, artifact and tag listings. Repositories are
 * listed only once they hold an artifact (an upload alone creates no
 * repository a user would see), as in Harbor.
 */
export class ArtifactsStore {
  async listRepositories(
    db: Executor,
    scope: { projectId: string } | { visibility: Visibility },
    filters: QueryTerm[],
    sort: SortTerm[],
    limit: number,
    offset: number,
  ): Promise<{ rows: RepositorySummary[]; total: number }> {
    let base = applyFilters(db.selectFrom('repository as r').innerJoin('project as p', 'p.id', 'r.projectId'), filters).where(({ exists, selectFrom }) =>
      exists(selectFrom('artifact as x').select('x.id').whereRef('x.repositoryId', '=', 'r.id')),
    );
    if ('projectId' in scope) base = base.where('r.projectId', '=', scope.projectId);
    else if (scope.visibility.kind !== 'all') base = base.where(visibleProject(scope.visibility, sql.ref('p.id'), sql.ref('p.metadata')));
    // The page and the total in one pass: "holds an artifact" is checked once per repository, not once for
    // the count and again to skip to the page. Past the last page no row carries the total; count then.
    const ids = await applySort(
      base.select(['r.id', sql<string>`count(*) OVER ()`.as('total')]),
      sort.length > 0 ? sort : [{ field: 'name', column: 'r.name', descending: false }],
      'r.id',
    )
      .limit(limit)
      .offset(offset)
      .execute();
    if (ids.length === 0) return { rows: [], total: Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n) };
    const total = Number(ids[0]!.total);
    const rows = (await selectRepositories(db).select(artifactCount).where('r.id', 'in', ids.map((r) => r.id)).execute()).map((row) => ({
      ...toRepository(row),
      artifactCount: Number(row.artifactCount),
    }));
    const order = new Map(ids.map((r, i) => [r.id, i]));
    return { rows: rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!), total };
  }

  /**
   * The repository if it holds an artifact — what makes it exist for Harbor's
   * API — without counting them: every call on a repository or its artifacts
   * starts here, and a repository may hold 100 000 artifacts.
   */
  async findRepository(db: Executor, name: string): Promise<RepositoryRow | undefined> {
    const row = await selectRepositories(db)
      .where('r.name', '=', name)
      .where(({ exists, selectFrom }) => exists(selectFrom('artifact as x').select('x.id').whereRef('x.repositoryId', '=', 'r.id')))
      .executeTakeFirst();
    return row && toRepository(row);
  }

  async countArtifacts(db: Executor, repositoryId: string): Promise<number> {
    return Number((await db.selectFrom('artifact').select((eb) => eb.fn.countAll<string>().as('n')).where('repositoryId', '=', repositoryId).executeTakeFirstOrThrow()).n);
  }

  /** The repository's listed artifacts (see LISTED), newest first by default. */
  async listArtifacts(db: Executor, repositoryId: string, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: ArtifactRow[]; total: number }> {
    const base = applyFilters(db.selectFrom('artifact as a'), filters).where('a.repositoryId', '=', repositoryId).where(LISTED);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    // The page's ids first, then their rows: without filters or sorts on
    // other columns, skipping to a deep page walks index artifact_listing
    // only, never the rows it skips.
    const ids = await applySort(base.select('a.id'), sort.length > 0 ? sort : [NEWEST_FIRST], 'a.id').limit(limit).offset(offset).execute();
    if (ids.length === 0) return { rows: [], total };
    const rows = await db.selectFrom('artifact as a').select(ARTIFACT_COLUMNS).where('a.id', 'in', ids.map((r) => r.id)).execute();
    const order = new Map(ids.map((r, i) => [r.id, i]));
    return { rows: rows.map(toArtifact).sort((a, b) => order.get(a.id)! - order.get(b.id)!), total };
  }

  /**
   * The listed artifacts (see LISTED) of all the project's repositories, newest
   * first by default. With `latestInRepository`, only each repository's most
   * recently pushed artifact among those the filters match.
   */
  async listProjectArtifacts(
    db: Executor,
    projectId: string,
    filters: QueryTerm[],
    sort: SortTerm[],
    limit: number,
    offset: number,
    latestInRepository: boolean,
  ): Promise<{ rows: (ArtifactRow & { repositoryName: string })[]; total: number }> {
    const inProject = () => db.selectFrom('artifact as a').innerJoin('repository as r', 'r.id', 'a.repositoryId').where('r.projectId', '=', projectId);
    let base = applyFilters(inProject(), filters).where(LISTED);
    if (latestInRepository) {
      const ranked = base.select(['a.id', sql<string>`row_number() OVER (PARTITION BY a.repository_id ORDER BY a.pushed_at DESC, a.id DESC)`.as('position')]).as('ranked');
      base = inProject().where('a.id', 'in', db.selectFrom(ranked).select('ranked.id').where('ranked.position', '=', '1'));
    }
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const selected = base.select([...ARTIFACT_COLUMNS, 'r.name as repositoryName']);
    const ordered = sort.length > 0 ? applySort(selected, sort, 'a.id') : selected.orderBy('a.pushedAt', 'desc').orderBy('a.id', 'desc');
    const rows = await ordered.limit(limit).offset(offset).execute();
    return { rows: rows.map(toArtifact), total };
  }

  async findArtifactByDigest(db: Executor, repositoryId: string, digest: string): Promise<ArtifactRow | undefined> {
    const row = await db.selectFrom('artifact as a').select(ARTIFACT_COLUMNS).where('a.repositoryId', '=', repositoryId).where('a.digest', '=', digest).executeTakeFirst();
    return row && toArtifact(row);
  }

  async findArtifactByTag(db: Executor, repositoryId: string, tag: string): Promise<ArtifactRow | undefined> {
    const row = await db
      .selectFrom('tag as t')
      .innerJoin('artifact as a', 'a.id', 't.artifactId')
      .select(ARTIFACT_COLUMNS)
      .where('t.repositoryId', '=', repositoryId)
      .where('t.name', '=', tag)
      .executeTakeFirst();
    return row && toArtifact(row);
  }

  async manifestContent(db: Executor, artifactId: string): Promise<Buffer> {
    return (await db.selectFrom('artifact').select('content').where('id', '=', artifactId).executeTakeFirstOrThrow()).content;
  }

  async tagsOf(db: Executor, artifactIds: string[]): Promise<TagRow[]> {
    if (artifactIds.length === 0) return [];
    return await db
      .selectFrom('tag')
      .select(['id', 'repositoryId', 'artifactId', 'name', 'updatedAt as pushTime', 'pullTime'])
      .where('artifactId', 'in', artifactIds)
      .orderBy('updatedAt', 'desc')
      .orderBy('id')
      .execute();
  }

  async listTags(db: Executor, artifactId: string, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: TagRow[]; total: number }> {
    const base = applyFilters(db.selectFrom('tag'), filters).where('artifactId', '=', artifactId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await applySort(base.select(['id', 'repositoryId', 'artifactId', 'name', 'updatedAt as pushTime', 'pullTime']), sort, 'id').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async referencesOf(db: Executor, parentIds: string[]): Promise<ReferenceRow[]> {
    if (parentIds.length === 0) return [];
    return await db
      .selectFrom('artifactReference as ref')
      .innerJoin('artifact as c', 'c.id', 'ref.childId')
      .select(['ref.parentId', 'ref.childId', 'c.digest as childDigest'])
      .where('ref.parentId', 'in', parentIds)
      .execute();
  }

  /** Artifacts in the repository whose subject is one of `digests`: signatures, SBOMs, other referrers. */
  async accessoriesOf(db: Executor, repositoryId: string, digests: string[]): Promise<ArtifactRow[]> {
    if (digests.length === 0) return [];
    const rows = await db
      .selectFrom('artifact as a')
      .select(ARTIFACT_COLUMNS)
      .where('a.repositoryId', '=', repositoryId)
      .where('a.subjectDigest', 'in', digests)
      .orderBy('a.pushedAt')
      .orderBy('a.id')
      .execute();
    return rows.map(toArtifact);
  }

  /** Blobs an artifact references (config first, then layers as stored). */
  async blobsOf(db: Executor, artifactId: string): Promise<{ digest: string; size: number }[]> {
    const rows = await db
      .selectFrom('artifactBlob as ab')
      .innerJoin('blob as b', 'b.digest', 'ab.digest')
      .select(['b.digest', 'b.size'])
      .where('ab.artifactId', '=', artifactId)
      .execute();
    return rows.map((row) => ({ digest: row.digest, size: Number(row.size) }));
  }
}
