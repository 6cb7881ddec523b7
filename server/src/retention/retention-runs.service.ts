import { BerthError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { Paging } from '../http/harbor-query.ts';
import type { JobService } from '../jobs/jobs.service.ts';
import type { ExecutionRow, LogLine, TaskRow } from '../jobs/jobs.store.ts';
import { RETENTION, type RetentionPayload } from './retention.job.ts';
import type { RetentionService } from './retention.service.ts';

function executionNotFound(policyId: string, executionId: string): BerthError {
  return new BerthError('NOT_FOUND', `retention execution ${executionId} of policy ${policyId} not found`);
}

/**
 * Harbor's retention executions (`/retentions/{id}/executions`, their tasks
 * and logs) on the job service: running a policy is `update` of the
 * project's tag-retention, listing runs and tasks `list`, a log `read`, as
 * in Harbor. Every nested id must belong to the policy of the path: an
 * execution of another policy is not found here.
 */
export class RetentionRunsService {
  readonly #retention: RetentionService;
  readonly #jobs: JobService;

  constructor(deps: { retention: RetentionService; jobs: JobService }) {
    this.#retention = deps.retention;
    this.#jobs = deps.jobs;
  }

  /** Starts a run now (trigger MANUAL); its execution id. */
  async trigger(principal: Principal | undefined, policyId: string, dryRun: boolean): Promise<string> {
    await this.#retention.authorize(principal, policyId, 'update');
    const operator = principal!.username;
    const payload: RetentionPayload = { policy_id: Number(policyId), dry_run: dryRun, operator };
    const { executionId } = await this.#jobs.launch(RETENTION, payload, { trigger: 'MANUAL', vendorId: Number(policyId), extraAttrs: { dry_run: dryRun, operator } });
    return executionId;
  }

  async executions(principal: Principal | undefined, policyId: string, paging: Paging): Promise<{ rows: ExecutionRow[]; total: number }> {
    await this.#retention.authorize(principal, policyId, 'list');
    return await this.#jobs.executionPage(RETENTION, paging.pageSize, paging.offset, policyId);
  }

  /** Harbor's only action on an execution: stop every task of it not yet ended. */
  async operate(principal: Principal | undefined, policyId: string, executionId: string, action: string): Promise<void> {
    if (action !== 'stop') throw new BerthError('BAD_REQUEST', "action should be 'stop'");
    await this.#retention.authorize(principal, policyId, 'update');
    await this.#execution(policyId, executionId);
    await this.#jobs.stopExecution(executionId);
  }

  async tasks(principal: Principal | undefined, policyId: string, executionId: string, paging: Paging): Promise<{ rows: TaskRow[]; total: number }> {
    await this.#retention.authorize(principal, policyId, 'list');
    await this.#execution(policyId, executionId);
    return await this.#jobs.tasks(executionId, paging.pageSize, paging.offset);
  }

  async log(principal: Principal | undefined, policyId: string, executionId: string, taskId: string): Promise<LogLine[]> {
    await this.#retention.authorize(principal, policyId, 'read');
    const { tasks } = await this.#execution(policyId, executionId);
    if (!tasks.some((task) => task.id === taskId)) throw new BerthError('NOT_FOUND', `retention task ${taskId} of execution ${executionId} not found`);
    return await this.#jobs.log(taskId);
  }

  async #execution(policyId: string, executionId: string): Promise<{ execution: ExecutionRow; tasks: TaskRow[] }> {
    let found;
    try {
      found = await this.#jobs.execution(executionId);
    } catch (error) {
      if (error instanceof BerthError && error.code === 'NOT_FOUND') throw executionNotFound(policyId, executionId);
      throw error;
    }
    if (found.execution.vendorType !== RETENTION || found.execution.vendorId !== policyId) throw executionNotFound(policyId, executionId);
    return found;
  }
}
