import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { MAX_PAGE_SIZE, type FieldSpec, type QueryTerm } from '../http/harbor-query.ts';
import type { ProjectView, ProjectsService } from '../projects/projects.service.ts';
import { visibilityOf } from '../projects/projects.store.ts';
import type { OverviewStore, SearchRepositoryRow } from './overview.store.ts';

/**
 * Harbor's search has no paging; Berth returns at most this many projects and
 * as many repositories (the first by name), so one short query cannot make
 * the server list a whole registry.
 */
export const SEARCH_LIMIT = MAX_PAGE_SIZE;

const PROJECT_NAME: FieldSpec = { column: 'p.name', type: 'string', fuzzy: true };
const REPOSITORY_NAME: FieldSpec = { column: 'r.name', type: 'string', fuzzy: true };

export interface Statistic {
  private_project_count: number;
  private_repo_count: number;
  public_project_count: number;
  public_repo_count: number;
  total_project_count: number;
  total_repo_count: number;
  total_storage_consumption: number;
}

/** Views across projects — search and statistics — limited to what the caller may see. */
export class OverviewService {
  readonly #db: Db;
  readonly #store: OverviewStore;
  readonly #projects: ProjectsService;

  constructor(deps: { db: Db; store: OverviewStore; projects: ProjectsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#projects = deps.projects;
  }

  /** Projects and repositories the caller may see whose names contain `text` (case-insensitively). */
  async search(principal: Principal | undefined, text: string): Promise<{ projects: ProjectView[]; repositories: SearchRepositoryRow[] }> {
    const contains = (spec: FieldSpec): QueryTerm => ({ field: 'name', spec, kind: 'fuzzy', value: text });
    const [projects, repositories] = await Promise.all([
      this.#projects.list(principal, [contains(PROJECT_NAME)], [{ field: 'name', column: PROJECT_NAME.column, descending: false }], { page: 1, pageSize: SEARCH_LIMIT, offset: 0 }),
      this.#store.searchRepositories(this.#db, visibilityOf(principal), [contains(REPOSITORY_NAME)], SEARCH_LIMIT),
    ]);
    return { projects: projects.rows, repositories };
  }

  /**
   * Harbor's Statistic: every public project and its repositories, the
   * private ones the caller can see, and — for system administrators only —
   * totals and the bytes stored. Others get 0 there, as from Harbor.
   */
  async statistics(principal: Principal | undefined): Promise<Statistic> {
    if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
    const counts = await this.#store.countProjects(this.#db, visibilityOf(principal));
    const statistic: Statistic = {
      private_project_count: counts.privateProjects,
      private_repo_count: counts.privateRepositories,
      public_project_count: counts.publicProjects,
      public_repo_count: counts.publicRepositories,
      total_project_count: 0,
      total_repo_count: 0,
      total_storage_consumption: 0,
    };
    if (principal.sysadmin) {
      statistic.total_project_count = counts.publicProjects + counts.privateProjects;
      statistic.total_repo_count = counts.publicRepositories + counts.privateRepositories;
      statistic.total_storage_consumption = await this.#store.storageConsumption(this.#db);
    }
    return statistic;
  }
}
