import { BerthError } from '../errors.ts';
import type { Db } from '../db/database.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { Action } from '../auth/rbac.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import type { ProjectRow } from '../projects/projects.store.ts';
import { normalizePolicy, retentionMetadata, ruleConflict, type RetentionPolicyInput } from './retention-policy.ts';
import type { RetentionPolicyRow, RetentionStore } from './retention.store.ts';

/** Harbor's project metadata key that names the project's retention policy. */
export const RETENTION_ID = 'retention_id';

/** Every retention operation needs a login first, as in Harbor (its handler's Prepare), public projects included. */
function requireSignedIn(principal: Principal | undefined): void {
  if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
}

function policyNotFound(id: string): BerthError {
  return new BerthError('NOT_FOUND', `no such retention policy with id ${id}`);
}

/**
 * Harbor's tag retention policies (`/retentions`): one per project, linked
 * from the project's `retention_id` metadata, which is written in the same
 * transaction as the policy; under the project's `tag-retention`
 * permissions (project admins, maintainers and developers). Running them is
 * the job service's (retention-engine.ts decides what a run deletes).
 */
export class RetentionService {
  readonly #db: Db;
  readonly #store: RetentionStore;
  readonly #access: AccessService;
  readonly #projects: ProjectsService;

  constructor(deps: { db: Db; store: RetentionStore; access: AccessService; projects: ProjectsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#projects = deps.projects;
  }

  /** Harbor answers the metadata to anyone signed in. */
  metadata(principal: Principal | undefined): ReturnType<typeof retentionMetadata> {
    requireSignedIn(principal);
    return retentionMetadata();
  }

  async get(principal: Principal | undefined, id: string): Promise<RetentionPolicyRow> {
    return (await this.#authorized(principal, id, 'read')).policy;
  }

  async create(principal: Principal | undefined, input: RetentionPolicyInput): Promise<string> {
    requireSignedIn(principal);
    const policy = normalizePolicy(input);
    const conflict = ruleConflict(policy.rules);
    if (conflict) throw new BerthError('CONFLICT', conflict);
    const projectId = String(input.scope.ref);
    const project = await this.#projects.byId(projectId);
    // A project the caller may not see is as invalid as a missing one.
    const invalid = () => new BerthError('BAD_REQUEST', `invalid Project id ${projectId}`);
    if (!project) throw invalid();
    await this.#require(principal, project, 'create').catch((error: unknown) => {
      throw error instanceof BerthError && error.code === 'NOT_FOUND' ? invalid() : error;
    });
    return await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#projects.lock(trx, project.id);
      if (!locked) throw invalid();
      const taken = () => new BerthError('BAD_REQUEST', `project ${projectId} already has retention policy ${locked.metadata[RETENTION_ID] ?? ''}`.trim());
      if (locked.metadata[RETENTION_ID]) throw taken();
      const id = await this.#store.insert(trx, project.id, policy);
      if (!id) throw taken();
      await this.#projects.replaceMetadata(trx, project.id, { ...locked.metadata, [RETENTION_ID]: id });
      return id;
    });
  }

  /** As in Harbor, the policy must be the one of the project its body names. */
  async update(principal: Principal | undefined, id: string, input: RetentionPolicyInput): Promise<void> {
    const policy = normalizePolicy(input);
    const conflict = ruleConflict(policy.rules);
    if (conflict) throw new BerthError('CONFLICT', conflict);
    const { policy: stored } = await this.#authorized(principal, id, 'update');
    if (String(input.scope.ref) !== stored.projectId) throw new BerthError('NOT_FOUND', `the retention policy id ${id} does not match project ${input.scope.ref}`);
    if (!(await this.#store.update(this.#db, id, policy))) throw policyNotFound(id);
  }

  /** Deletes the policy and the project's link to it. */
  async delete(principal: Principal | undefined, id: string): Promise<void> {
    const { project } = await this.#authorized(principal, id, 'delete');
    await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#projects.lock(trx, project.id);
      if (!(await this.#store.delete(trx, id))) throw policyNotFound(id);
      if (locked && locked.metadata[RETENTION_ID] === id) {
        const { [RETENTION_ID]: _removed, ...rest } = locked.metadata;
        await this.#projects.replaceMetadata(trx, project.id, rest);
      }
    });
  }

  /**
   * For a retention run (the job service's, on a schedule or on request,
   * whose permission was checked when it was asked for): the policy, or
   * undefined once it is gone. A run gives each repository of the project
   * that a rule applies to (retention-engine.ts ruleAppliesTo) one task,
   * which calls decideRetention with the repository's artifacts and the
   * project's immutable tag rules.
   */
  async forRun(id: string): Promise<RetentionPolicyRow | undefined> {
    return await this.#store.find(this.#db, id);
  }

  /** The policy and its project, if the caller may `action` the project's retention; else as if it did not exist. */
  async #authorized(principal: Principal | undefined, id: string, action: Action): Promise<{ policy: RetentionPolicyRow; project: ProjectRow }> {
    requireSignedIn(principal);
    const policy = await this.#store.find(this.#db, id);
    const project = policy && (await this.#projects.byId(policy.projectId));
    if (!policy || !project) throw policyNotFound(id);
    await this.#require(principal, project, action).catch((error: unknown) => {
      throw error instanceof BerthError && error.code === 'NOT_FOUND' ? policyNotFound(id) : error;
    });
    return { policy, project };
  }

  async #require(principal: Principal | undefined, project: ProjectRow, action: Action): Promise<void> {
    await this.#access.require(principal, ref(project), 'tag-retention', action);
  }
}
