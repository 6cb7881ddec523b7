import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { applyFilters } from '../db/query-filters.ts';
import type { QueryTerm } from '../http/harbor-query.ts';
import { visibleProject, type Visibility } from '../projects/projects.store.ts';

export interface SearchRepositoryRow {
  projectId: string;
  projectName: string;
  projectPublic: boolean;
  name: string;
  pullCount: number;
  artifactCount: number;
}

export interface ProjectCounts {
  publicProjects: number;
  privateProjects: number;
  publicRepositories: number;
  privateRepositories: number;
}

function visible(visibility: Visibility) {
  return visibility.kind === 'all' ? sql<boolean>`true` : visibleProject(visibility, sql.ref('p.id'), sql.ref('p.metadata'));
}

/**
 * SQL for views across projects (search, statistics). As everywhere in
 * Harbor's API, a repository counts once it holds an artifact.
 */
export class OverviewStore {
  /** Repositories matching `filters` in projects visible under `visibility`, by name. */
  async searchRepositories(db: Db, visibility: Visibility, filters: QueryTerm[], limit: number): Promise<SearchRepositoryRow[]> {
    const rows = await applyFilters(db.selectFrom('repository as r').innerJoin('project as p', 'p.id', 'r.projectId'), filters)
      .where(visible(visibility))
      .where(({ exists, selectFrom }) => exists(selectFrom('artifact as x').select('x.id').whereRef('x.repositoryId', '=', 'r.id')))
      .select([
        'r.projectId',
        'p.name as projectName',
        sql<boolean>`coalesce(p.metadata->>'public', 'false') = 'true'`.as('projectPublic'),
        'r.name',
        sql<string>`r.pull_count`.as('pullCount'),
        sql<string>`(SELECT count(*) FROM artifact a WHERE a.repository_id = r.id)`.as('artifactCount'),
      ])
      .orderBy('r.name')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ ...row, pullCount: Number(row.pullCount), artifactCount: Number(row.artifactCount) }));
  }

  /** Public and private projects visible under `visibility`, and their repositories. */
  async countProjects(db: Db, visibility: Visibility): Promise<ProjectCounts> {
    const result = await sql<{ publicProjects: string; privateProjects: string; publicRepositories: string; privateRepositories: string }>`
      SELECT count(*) FILTER (WHERE v.public) AS public_projects,
             count(*) FILTER (WHERE NOT v.public) AS private_projects,
             coalesce(sum(v.repositories) FILTER (WHERE v.public), 0) AS public_repositories,
             coalesce(sum(v.repositories) FILTER (WHERE NOT v.public), 0) AS private_repositories
      FROM (
        SELECT coalesce(p.metadata->>'public', 'false') = 'true' AS public,
               (SELECT count(*) FROM repository r WHERE r.project_id = p.id AND EXISTS (SELECT 1 FROM artifact a WHERE a.repository_id = r.id)) AS repositories
        FROM project p
        WHERE ${visible(visibility)}
      ) v`.execute(db);
    const row = result.rows[0]!;
    return {
      publicProjects: Number(row.publicProjects),
      privateProjects: Number(row.privateProjects),
      publicRepositories: Number(row.publicRepositories),
      privateRepositories: Number(row.privateRepositories),
    };
  }

  /** Bytes of all stored blobs, each counted once however many artifacts share it. */
  async storageConsumption(db: Db): Promise<number> {
    const row = await db
      .selectFrom('blob')
      .select(sql<string>`coalesce(sum(size), 0)`.as('bytes'))
      .where('state', '=', 'live')
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }
}
