import { z } from 'zod';
import { ReadOnlyError } from '../content/read-only.ts';
import type { ArtifactsService } from '../artifacts/artifacts.service.ts';
import type { ArtifactRow, RepositoryRow } from '../artifacts/artifacts.store.ts';
import type { ContentChange } from '../content/content-rules.ts';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { ImmutabilityService } from '../immutability/immutability.service.ts';
import { nameInProject } from '../immutability/immutable-match.ts';
import { defineJobType, type JobContext } from '../jobs/job-type.ts';
import { decideRetention, ruleAppliesTo, type RetentionArtifact, type RetentionDecision } from './retention-engine.ts';
import { retentionLogTable, type RetentionOutcome, type RetentionResult } from './retention-log.ts';
import type { RetentionPolicyRow } from './retention.store.ts';

/** Harbor's vendor type for tag retention. */
export const RETENTION = 'RETENTION';

/**
 * A run of a policy (what is enqueued and scheduled), and each of its tasks:
 * the same with the repository (its full name) the task decides for.
 */
export const RetentionPayload = z.object({
  policy_id: z.int().min(1),
  dry_run: z.boolean().default(false),
  /** Who the run deletes for (the user who asked; Berth itself for a schedule), named in each deletion's event. */
  operator: z.string().min(1).default('system'),
  repository: z.string().min(1).optional(),
});
export type RetentionPayload = z.output<typeof RetentionPayload>;

/** Errors content/ answers for a tag it may not delete or move: an immutable tag (immutability is enforced there, in the deleting transaction). */
function refusedAsImmutable(error: unknown): boolean {
  return error instanceof BerthError && (error.code === 'PRECONDITION' || error.code === 'CONFLICT');
}

function candidateOf(listed: { artifact: ArtifactRow; tags: { name: string; pushTime: Date; pullTime: Date | null }[]; labels: string[] }): RetentionArtifact {
  const { artifact } = listed;
  return {
    digest: artifact.digest,
    kind: 'image',
    labels: listed.labels,
    pushedAt: artifact.pushedAt.getTime(),
    pulledAt: artifact.pullTime?.getTime() ?? null,
    tags: listed.tags.map((tag) => ({ name: tag.name, pushedAt: tag.pushTime.getTime(), pulledAt: tag.pullTime?.getTime() ?? null })),
  };
}

interface RetentionJobDeps {
  db: Db;
  policies: { forRun(id: string, db?: Db): Promise<RetentionPolicyRow | undefined> };
  artifacts: ArtifactsService;
  immutability: ImmutabilityService;
}

/**
 * Tag retention as a job: an execution per run of a policy, one task per
 * repository of the project that an enabled rule applies to (as Harbor's
 * launcher makes them). Each task decides on the repository's artifacts as
 * they are when it runs (decideRetention), so a retried task — its process
 * killed — decides again on what is left and deletes only that; a dry run
 * decides alike and deletes nothing. Deletions go through content/ (their
 * events name the run's operator); one refused for an immutable tag is
 * logged IMMUTABLE, one that failed otherwise ERR, and the task then fails.
 */
export function retentionJob(deps: RetentionJobDeps) {
  const { artifacts } = deps;
  return defineJobType({
    name: RETENTION,
    payload: RetentionPayload,
    maxAttempts: 3,
    retry: { delaySeconds: 30, backoff: true },
    retryable: (error) => !(error instanceof ReadOnlyError),
    tasks: async (payload, db) => {
      const policy = await deps.policies.forRun(String(payload.policy_id), db);
      if (!policy) return [];
      const repositories = await artifacts.everyRepository(policy.projectId, db);
      return repositories
        .filter((repository) => policy.rules.some((rule) => ruleAppliesTo(rule, nameInProject(repository.name))))
        .map((repository) => ({ payload: { ...payload, repository: repository.name }, attrs: { repository: nameInProject(repository.name), dry_run: payload.dry_run } }));
    },
    run: async (ctx, payload) => {
      const policy = await deps.policies.forRun(String(payload.policy_id));
      const repository = payload.repository === undefined ? undefined : await artifacts.findRepository(payload.repository);
      if (!policy || !repository || repository.projectId !== policy.projectId) {
        await ctx.log.info(policy ? `repository ${payload.repository ?? ''} no longer exists: nothing to do` : `retention policy ${payload.policy_id} no longer exists: nothing to do`);
        await ctx.attrs({ total: 0, retained: 0 });
        return;
      }
      const listed = await artifacts.everyListedArtifact(repository);
      const rows = new Map(listed.map((entry) => [entry.artifact.digest, entry.artifact]));
      const decisions = decideRetention({
        repository: nameInProject(repository.name),
        artifacts: listed.map(candidateOf),
        rules: policy.rules,
        immutableRules: await deps.immutability.rules(deps.db, policy.projectId),
        now: Date.now(),
      });
      await ctx.log.info(`${payload.dry_run ? 'dry run of' : 'running'} retention policy ${payload.policy_id} on ${repository.name}: ${decisions.length} artifacts`);
      const change: ContentChange = { operator: payload.operator, description: `tag retention (policy ${payload.policy_id})` };
      const results = payload.dry_run ? decisions : await carryOut(ctx, decisions, (digest) => rows.get(digest)!, repository, change, artifacts);
      const retained = results.filter((result) => result.action !== 'DEL').length;
      await ctx.log.info(`${payload.dry_run ? 'dry run, nothing deleted' : 'retention done'}: ${results.length} artifacts, ${retained} retained\n${retentionLogTable(results)}`);
      await ctx.attrs({ total: results.length, retained });
      const failed = results.filter((result) => result.action === 'ERR' || result.tags.some((tag) => tag.action === 'ERR')).length;
      if (failed > 0) throw new Error(`${failed} artifacts could not be deleted (ERR in the table); the next attempt decides again`);
    },
  });
}

/** Deletes what the decisions say, in order, and says what became of each; stops between deletions when asked to. */
async function carryOut(
  ctx: JobContext,
  decisions: RetentionDecision[],
  rowOf: (digest: string) => ArtifactRow,
  repository: RepositoryRow,
  change: ContentChange,
  artifacts: ArtifactsService,
): Promise<RetentionResult[]> {
  const results: RetentionResult[] = [];
  const attempt = async (what: string, deletion: () => Promise<unknown>): Promise<RetentionOutcome> => {
    ctx.signal.throwIfAborted();
    try {
      await deletion();
      return 'DEL';
    } catch (error) {
      // Deleted meanwhile (by a user, or by the attempt before this one): what was decided holds.
      if (error instanceof BerthError && error.code === 'MANIFEST_UNKNOWN') return 'DEL';
      if (refusedAsImmutable(error)) return 'IMMUTABLE';
      // The whole registry refuses: the run ends here, as Harbor's GC does on read-only.
      if (error instanceof ReadOnlyError) throw error;
      await ctx.log.error(`could not delete ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return 'ERR';
    }
  };
  for (const decision of decisions) {
    const artifact = rowOf(decision.artifact.digest);
    if (decision.action === 'DEL') {
      const outcome = await attempt(`${repository.name}@${artifact.digest}`, () => artifacts.removeArtifact(repository, artifact, change));
      results.push({ ...decision, action: outcome, tags: decision.tags.map((tag) => ({ name: tag.name, action: outcome === 'DEL' ? 'DEL' : outcome === 'IMMUTABLE' ? 'RETAIN' : outcome })) });
      continue;
    }
    // A per-tag rule's stale tags go on their own while the artifact stays.
    const tags: RetentionResult['tags'] = [];
    for (const tag of decision.tags) {
      tags.push(tag.action === 'DEL' ? { name: tag.name, action: await attempt(`${repository.name}:${tag.name}`, () => artifacts.removeTag(repository, artifact, tag.name, change)) } : tag);
    }
    results.push({ ...decision, tags });
  }
  return results;
}
