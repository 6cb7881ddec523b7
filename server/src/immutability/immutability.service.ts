import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { projectNotFound, type AccessService } from '../access/access.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { Action } from '../auth/rbac.ts';
import type { Paging } from '../http/harbor-query.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import type { ProjectRow } from '../projects/projects.store.ts';
import type { immutableRuleInput } from './immutability.schemas.ts';
import type { ImmutabilityStore, ImmutableRuleRow, ImmutableRuleValues } from './immutability.store.ts';

type Executor = Db | Transaction<Database>;

/**
 * Harbor's portal stops at 15 immutable tag rules a project; Berth's API
 * holds the same line, since every push and tag deletion walks the rules.
 */
export const MAX_IMMUTABLE_RULES = 15;

function ruleNotFound(id: string): BerthError {
  return new BerthError('NOT_FOUND', `immutable tag rule ${id} not found`);
}

const DUPLICATE = 'immutable rule already exists: the project has a rule with the same repository and tag selectors';

function valuesOf(input: z.output<typeof immutableRuleInput>): ImmutableRuleValues {
  const repository = input.scope_selectors.repository[0]!;
  const tag = input.tag_selectors[0]!;
  return {
    priority: input.priority ?? 0,
    disabled: input.disabled ?? false,
    repositoryDecoration: repository.decoration,
    repositoryPattern: repository.pattern,
    tagDecoration: tag.decoration,
    tagPattern: tag.pattern,
  };
}

/**
 * Harbor's immutable tag rules of a project (`/projects/{p}/immutabletagrules`),
 * under the project's `immutable-tag` permissions (project admins and
 * maintainers), and the check every change to a tag goes through.
 */
export class ImmutabilityService {
  readonly #db: Db;
  readonly #store: ImmutabilityStore;
  readonly #access: AccessService;
  readonly #projects: ProjectsService;

  constructor(deps: { db: Db; store: ImmutabilityStore; access: AccessService; projects: ProjectsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#projects = deps.projects;
  }

  async list(principal: Principal | undefined, project: ProjectRow, paging: Paging): Promise<{ rows: ImmutableRuleRow[]; total: number }> {
    await this.#require(principal, project, 'list');
    return await this.#store.list(this.#db, project.id, paging.pageSize, paging.offset);
  }

  async create(principal: Principal | undefined, project: ProjectRow, input: z.output<typeof immutableRuleInput>): Promise<string> {
    await this.#require(principal, project, 'create');
    return await this.#db.transaction().execute(async (trx) => {
      // The project's row serialises concurrent creations, so the limit holds.
      if (!(await this.#projects.lock(trx, project.id))) throw projectNotFound(project.name);
      if ((await this.#store.count(trx, project.id)) >= MAX_IMMUTABLE_RULES) {
        throw new BerthError('BAD_REQUEST', `a project has at most ${MAX_IMMUTABLE_RULES} immutable tag rules`);
      }
      const id = await this.#store.insert(trx, project.id, valuesOf(input));
      if (!id) throw new BerthError('CONFLICT', DUPLICATE);
      return id;
    });
  }

  /** Harbor's PUT both edits a rule and enables or disables it; the body's id, when given, must be the path's. */
  async update(principal: Principal | undefined, project: ProjectRow, id: string, input: z.output<typeof immutableRuleInput>): Promise<void> {
    if (input.id !== undefined && String(input.id) !== id) throw new BerthError('BAD_REQUEST', "the immutable_rule_id doesn't match the id in the payload body of ImmutableRule");
    await this.#require(principal, project, 'update');
    try {
      if (!(await this.#store.update(this.#db, project.id, id, valuesOf(input)))) throw ruleNotFound(id);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new BerthError('CONFLICT', DUPLICATE);
      throw error;
    }
  }

  async delete(principal: Principal | undefined, project: ProjectRow, id: string): Promise<void> {
    await this.#require(principal, project, 'delete');
    if (!(await this.#store.delete(this.#db, project.id, id))) throw ruleNotFound(id);
  }

  /** Every rule of the project in id order, for callers that test many tags (retention: immutable-match.ts immutableRuleFor). */
  async rules(db: Executor, projectId: string): Promise<ImmutableRuleRow[]> {
    return await this.#store.all(db, projectId);
  }

  async #require(principal: Principal | undefined, project: ProjectRow, action: Action): Promise<void> {
    await this.#access.require(principal, ref(project), 'immutable-tag', action);
  }
}
