import { z } from 'zod';

const Selector = z.object({ kind: z.string(), decoration: z.string(), pattern: z.string(), extras: z.string().optional() });

/** Harbor's RetentionRule as Berth answers it. */
const RetentionRule = z.object({
  id: z.int(),
  priority: z.int(),
  disabled: z.boolean(),
  action: z.literal('retain'),
  template: z.string(),
  params: z.record(z.string(), z.unknown()),
  tag_selectors: z.array(Selector),
  scope_selectors: z.object({ repository: z.array(Selector) }),
});

/** Harbor's RetentionPolicy as Berth answers it. */
export const RetentionPolicy = z
  .object({
    id: z.int(),
    algorithm: z.literal('or'),
    rules: z.array(RetentionRule),
    trigger: z.object({ kind: z.literal('Schedule'), settings: z.object({ cron: z.string() }), references: z.record(z.string(), z.unknown()) }),
    scope: z.object({ level: z.literal('project'), ref: z.int() }),
  })
  .meta({ id: 'RetentionPolicy' });

const SelectorMetadata = z.object({ display_text: z.string(), kind: z.string(), decorations: z.array(z.string()) });

/** Harbor's RetentionMetadata. */
export const RetentionMetadata = z
  .object({
    templates: z.array(
      z.object({
        rule_template: z.string(),
        display_text: z.string(),
        action: z.string(),
        params: z.array(z.object({ type: z.string(), unit: z.string(), required: z.boolean() })),
      }),
    ),
    scope_selectors: z.array(SelectorMetadata),
    tag_selectors: z.array(SelectorMetadata),
  })
  .meta({ id: 'RetentionMetadata' });

/** Harbor's RetentionExecution: one run of a policy. */
export const RetentionExecution = z
  .object({
    id: z.int(),
    policy_id: z.int(),
    start_time: z.string(),
    end_time: z.string().optional(),
    status: z.string(),
    trigger: z.string(),
    dry_run: z.boolean(),
  })
  .meta({ id: 'RetentionExecution' });

/** Harbor's RetentionExecutionTask: a run's work on one repository. */
export const RetentionExecutionTask = z
  .object({
    id: z.int(),
    execution_id: z.int(),
    repository: z.string(),
    job_id: z.string(),
    status: z.string(),
    status_code: z.int(),
    start_time: z.string().optional(),
    end_time: z.string().optional(),
    total: z.int(),
    retained: z.int(),
  })
  .meta({ id: 'RetentionExecutionTask' });

/** POST /retentions/{id}/executions. */
export const RetentionTrigger = z.object({ dry_run: z.boolean().optional() }).loose();

/** PATCH /retentions/{id}/executions/{eid}: Harbor knows only "stop". */
export const RetentionOperation = z.object({ action: z.string() }).loose();
