import type { Transaction } from 'kysely';
import { BerthError } from '../errors.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { appendEvent } from '../events/outbox.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { Action } from '../auth/rbac.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import type { ProjectRow } from '../projects/projects.store.ts';
import { normalizePolicy, retentionMetadata, ruleConflict, type RetentionPolicyInput, type RetentionTrigger } from './retention-policy.ts';
import { RETENTION } from './retention.job.ts';
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
 * permissions (project admins, maintainers and developers). Each change
 * appends its update_project event and sets the policy's schedule (a
 * RETENTION job, retention.job.ts) in the same transaction.
 */
export class RetentionService {
  readonly #db: Db;
  readonly #store: RetentionStore;
  readonly #access: AccessService;
  readonly #projects: ProjectsService;
  readonly #jobs: JobService;

  constructor(deps: { db: Db; store: RetentionStore; access: AccessService; projects: ProjectsService; jobs: JobService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#projects = deps.projects;
    this.#jobs = deps.jobs;
  }

  /** Harbor answers the metadata to anyone signed in. */
  metadata(principal: Principal | undefined): ReturnType<typeof retentionMetadata> {
    requireSignedIn(principal);
    return retentionMetadata();
  }

  async get(principal: Principal | undefined, id: string): Promise<RetentionPolicyRow> {
    return (await this.authorize(principal, id, 'read')).policy;
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
      await this.#changed(trx, principal!, project, id, 'created', policy.trigger);
      return id;
    });
  }

  /** As in Harbor, the policy must be the one of the project its body names. */
  async update(principal: Principal | undefined, id: string, input: RetentionPolicyInput): Promise<void> {
    const policy = normalizePolicy(input);
    const conflict = ruleConflict(policy.rules);
    if (conflict) throw new BerthError('CONFLICT', conflict);
    const { policy: stored, project } = await this.authorize(principal, id, 'update');
    if (String(input.scope.ref) !== stored.projectId) throw new BerthError('NOT_FOUND', `the retention policy id ${id} does not match project ${input.scope.ref}`);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.update(trx, id, policy))) throw policyNotFound(id);
      await this.#changed(trx, principal!, project, id, 'updated', policy.trigger);
    });
  }

  /** Deletes the policy and the project's link to it. */
  async delete(principal: Principal | undefined, id: string): Promise<void> {
    const { project } = await this.authorize(principal, id, 'delete');
    await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#projects.lock(trx, project.id);
      if (!(await this.#store.delete(trx, id))) throw policyNotFound(id);
      if (locked && locked.metadata[RETENTION_ID] === id) {
        const { [RETENTION_ID]: _removed, ...rest } = locked.metadata;
        await this.#projects.replaceMetadata(trx, project.id, rest);
      }
      await this.#changed(trx, principal!, project, id, 'deleted', undefined);
    });
  }

  /**
   * What every change of a policy does besides its row, in its transaction:
   * the project's event (the policy is the project's, named by its
   * retention_id metadata) and the schedule, set to the trigger's cron or
   * removed when it is empty or the policy goes. Scheduled runs fire as
   * RETENTION jobs with trigger SCHEDULE, operator "system".
   */
  async #changed(trx: Transaction<Database>, principal: Principal, project: ProjectRow, id: string, what: string, trigger: RetentionTrigger | undefined): Promise<void> {
    const cron = trigger?.settings.cron ?? '';
    if (cron === '') await this.#jobs.unschedule(RETENTION, Number(id), trx);
    else await this.#jobs.schedule(RETENTION, cron, { policy_id: Number(id) }, Number(id), trx);
    const description = `retention policy ${id} ${what}${cron === '' ? '' : `, schedule ${cron}`}`;
    await appendEvent(trx, { type: 'update_project', projectId: project.id, resourceType: 'project', resource: project.name, operator: principal.username, description });
  }

  /**
   * For a retention run (retention.job.ts, on a schedule or on request,
   * whose permission was checked when it was asked for): the policy, or
   * undefined once it is gone; read with `db` (the transaction creating the
   * run's execution, when given).
   */
  async forRun(id: string, db: Db = this.#db): Promise<RetentionPolicyRow | undefined> {
    return await this.#store.find(db, id);
  }

  /** The policy and its project, if the caller may `action` the project's retention; else as if it did not exist. */
  async authorize(principal: Principal | undefined, id: string, action: Action): Promise<{ policy: RetentionPolicyRow; project: ProjectRow }> {
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
