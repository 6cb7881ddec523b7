import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { applyFilters, applySort } from '../db/query-filters.ts';
import type { Principal } from '../auth/principal.ts';

type Executor = Db | Transaction<Database>;

export interface ProjectRow {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  metadata: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

/** A project with the number of its repositories (those holding an artifact), as listings show it. */
export interface ProjectWithRepoCount extends ProjectRow {
  repoCount: number;
}

/** Who may see which projects in a listing: everything, or public ones plus those reached through memberships or robot permissions. */
export type Visibility =
  | { kind: 'all' }
  | { kind: 'public' }
  | { kind: 'user'; userId: string; groupIds: readonly string[] }
  | { kind: 'robot'; robotId: string };

/** What a caller may see: system administrators everything, anonymous callers public projects. */
export function visibilityOf(principal: Principal | undefined): Visibility {
  if (!principal) return { kind: 'public' };
  if (principal.sysadmin) return { kind: 'all' };
  if (principal.kind === 'robot') return { kind: 'robot', robotId: principal.robotId };
  return { kind: 'user', userId: principal.userId, groupIds: principal.groupIds };
}

/**
 * SQL condition: the project with id `id` and metadata `metadata` is visible
 * under `visibility` (public, or reached through a membership or a robot permission).
 */
export function visibleProject(visibility: Exclude<Visibility, { kind: 'all' }>, id: RawBuilder<unknown>, metadata: RawBuilder<unknown>): RawBuilder<boolean> {
  const isPublic = sql`${metadata}->>'public' = 'true'`;
  switch (visibility.kind) {
    case 'public':
      return sql<boolean>`(${isPublic})`;
    case 'user': {
      const groups = visibility.groupIds.length > 0 ? sql`OR m.group_id IN (${sql.join([...visibility.groupIds])})` : sql``;
      return sql<boolean>`(${isPublic} OR EXISTS (SELECT 1 FROM project_member m WHERE m.project_id = ${id} AND (m.user_id = ${visibility.userId} ${groups})))`;
    }
    case 'robot':
      return sql<boolean>`(${isPublic} OR EXISTS (SELECT 1 FROM robot_permission rp WHERE rp.robot_id = ${visibility.robotId} AND rp.kind = 'project' AND (rp.project_id = ${id} OR rp.namespace = '*')))`;
  }
}

/**
 * Projects without their repository count: counting probes every repository
 * of the project for an artifact, and a project may hold 10 000 of them
 * while most callers only resolve the project.
 */
function selectProjects(db: Executor) {
  return db
    .selectFrom('project as p')
    .leftJoin('userAccount as o', 'o.id', 'p.ownerId')
    .select(['p.id', 'p.name', 'p.ownerId', 'o.username as ownerName', 'p.metadata', 'p.createdAt', 'p.updatedAt']);
}

/** SQL for projects and their metadata: one method per query. */
export class ProjectsStore {
  async findById(db: Executor, id: string): Promise<ProjectRow | undefined> {
    return await selectProjects(db).where('p.id', '=', id).executeTakeFirst();
  }

  async findByName(db: Executor, name: string): Promise<ProjectRow | undefined> {
    return await selectProjects(db).where('p.name', '=', name).executeTakeFirst();
  }

  /** The registry's per-request lookup: id and visibility only. */
  async findRefByName(db: Executor, name: string): Promise<{ id: string; name: string; public: boolean } | undefined> {
    const row = await db
      .selectFrom('project')
      .select(['id', 'name', sql<boolean>`coalesce(metadata->>'public', 'false') = 'true'`.as('public')])
      .where('name', '=', name)
      .executeTakeFirst();
    return row;
  }

  async insert(trx: Transaction<Database>, values: { name: string; ownerId: string | null; metadata: Record<string, string> }): Promise<string | undefined> {
    const row = await trx
      .insertInto('project')
      .values({ name: values.name, ownerId: values.ownerId, metadata: JSON.stringify(values.metadata) })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  async list(db: Executor, visibility: Visibility, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: ProjectWithRepoCount[]; total: number }> {
    let base = applyFilters(db.selectFrom('project as p'), filters);
    if (visibility.kind !== 'all') base = base.where(visibleProject(visibility, sql.ref('p.id'), sql.ref('p.metadata')));
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const ids = await applySort(base.select('p.id'), sort, 'p.id').limit(limit).offset(offset).execute();
    if (ids.length === 0) return { rows: [], total };
    const rows = (
      await selectProjects(db)
        .select(sql<string>`(SELECT count(*) FROM repository r WHERE r.project_id = p.id AND EXISTS (SELECT 1 FROM artifact a WHERE a.repository_id = r.id))`.as('repoCount'))
        .where('p.id', 'in', ids.map((r) => r.id))
        .execute()
    ).map((row) => ({ ...row, repoCount: Number(row.repoCount) }));
    const order = new Map(ids.map((r, i) => [r.id, i]));
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return { rows, total };
  }

  async updateMetadata(db: Executor, id: string, metadata: Record<string, string>): Promise<void> {
    await db.updateTable('project').set({ metadata: JSON.stringify(metadata), updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  async lockForUpdate(trx: Transaction<Database>, id: string): Promise<{ metadata: Record<string, string> } | undefined> {
    return await trx.selectFrom('project').select('metadata').where('id', '=', id).forUpdate().executeTakeFirst();
  }

  /** Repositories holding at least one artifact: what makes a project non-deletable. */
  async countRepositoriesWithArtifacts(db: Executor, projectId: string): Promise<number> {
    const row = await db
      .selectFrom('repository as r')
      .where('r.projectId', '=', projectId)
      .where(({ exists, selectFrom }) => exists(selectFrom('artifact as a').select('a.id').whereRef('a.repositoryId', '=', 'r.id')))
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async delete(trx: Transaction<Database>, id: string): Promise<boolean> {
    const result = await trx.deleteFrom('project').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Every project with its visibility and member count, for /metrics (one row a project; members through their project index). */
  async metricsOverview(db: Executor): Promise<{ id: string; name: string; public: boolean; members: number }[]> {
    const { rows } = await sql<{ id: string; name: string; public: boolean; members: string }>`
      SELECT p.id, p.name, coalesce(p.metadata->>'public', 'false') = 'true' AS public,
             (SELECT count(*) FROM project_member m WHERE m.project_id = p.id) AS members
        FROM project p`.execute(db);
    return rows.map((row) => ({ ...row, members: Number(row.members) }));
  }

  async memberCountsByRole(db: Executor, projectId: string): Promise<Map<number, number>> {
    const rows = await db.selectFrom('projectMember').select(['role', (eb) => eb.fn.countAll<string>().as('n')]).where('projectId', '=', projectId).groupBy('role').execute();
    return new Map(rows.map((row) => [row.role, Number(row.n)]));
  }
}
