import { z } from 'zod';
import { doublestarSelector } from '../immutability/immutability.schemas.ts';
import { scheduleProblem } from '../jobs/cron.ts';

/** Harbor's limit on the rules of one policy (handler/retention.go). */
export const MAX_RETENTION_RULES = 15;

/**
 * Berth's extension of Harbor's rule: `params["berth.per_tag"] = true` makes
 * the rule work on tags instead of artifacts (retention-engine.ts). It rides
 * in `params`, a free map in Harbor's RetentionRule, which Harbor's own
 * evaluators read only by their template's key: Harbor and its clients keep
 * it through a GET/PUT round trip and otherwise ignore it.
 */
export const PER_TAG_PARAM = 'berth.per_tag';

/**
 * Every template Harbor's evaluator index registers (policy/rule/index), with
 * its parameter (named as the template) and the bound Harbor's validator
 * puts on it. Harbor's metadata lists the first five; `latestActiveK` and
 * `lastXDays` are accepted by its API as well, so Berth accepts them too.
 */
export const TEMPLATES = {
  latestPushedK: { param: { unit: 'COUNT', max: 32766 }, display: 'the most recently pushed # artifacts', listed: true },
  latestPulledN: { param: { unit: 'COUNT', max: 32766 }, display: 'the most recently pulled # artifacts', listed: true },
  nDaysSinceLastPush: { param: { unit: 'DAYS', max: 20190904 }, display: 'pushed within the last # days', listed: true },
  nDaysSinceLastPull: { param: { unit: 'DAYS', max: 20190904 }, display: 'pulled within the last # days', listed: true },
  always: { param: undefined, display: 'always', listed: true },
  latestActiveK: { param: { unit: 'COUNT', max: 32766 }, display: 'the most recently pushed or pulled # artifacts', listed: false },
  lastXDays: { param: { unit: 'DAYS', max: 20190904 }, display: 'pushed within the last # days', listed: false },
} as const;

export type TemplateId = keyof typeof TEMPLATES;
const TEMPLATE_IDS = Object.keys(TEMPLATES) as [TemplateId, ...TemplateId[]];

/** Harbor's GET /retentions/metadatas, word for word. */
export function retentionMetadata() {
  return {
    templates: TEMPLATE_IDS.filter((id) => TEMPLATES[id].listed).map((id) => {
      const template = TEMPLATES[id];
      return {
        rule_template: id,
        display_text: template.display,
        action: 'retain',
        params: template.param ? [{ type: 'int', unit: template.param.unit, required: true }] : [],
      };
    }),
    scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
    tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] }],
  };
}

const tagSelector = doublestarSelector(['matches', 'excludes'] as const).superRefine((selector, ctx) => {
  if (selector.extras === undefined || selector.extras === '') return;
  let extras: unknown;
  try {
    extras = JSON.parse(selector.extras);
  } catch {
    extras = undefined;
  }
  if (typeof extras !== 'object' || extras === null || Array.isArray(extras) || ('untagged' in extras && typeof extras.untagged !== 'boolean')) {
    ctx.addIssue({ code: 'custom', path: ['extras'], message: 'must be JSON like {"untagged":true}' });
  }
});
const repositorySelector = doublestarSelector(['repoMatches', 'repoExcludes'] as const);

const ruleInput = z
  .object({
    id: z.int().min(0).optional(),
    priority: z.int().min(0).max(1_000_000).optional(),
    disabled: z.boolean().optional(),
    action: z.literal('retain', { error: 'the only action is retain' }).optional(),
    template: z.enum(TEMPLATE_IDS, { error: `must be one of ${TEMPLATE_IDS.join(', ')}` }),
    params: z.record(z.string(), z.unknown()).optional(),
    tag_selectors: z.array(tagSelector).min(1, { error: 'at least one tag selector' }).max(10),
    scope_selectors: z.object({ repository: z.array(repositorySelector).min(1, { error: 'at least one repository selector' }).max(10) }).strict(),
  })
  .loose()
  .superRefine((rule, ctx) => {
    const template = TEMPLATES[rule.template];
    const params = rule.params ?? {};
    if (template.param) {
      const value = params[rule.template];
      if (value === undefined) ctx.addIssue({ code: 'custom', path: ['params', rule.template], message: `missing required parameter ${rule.template} for rule ${rule.template}` });
      else if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > template.param.max) {
        ctx.addIssue({ code: 'custom', path: ['params', rule.template], message: `must be a whole number from 0 to ${template.param.max}` });
      }
    }
    for (const key of Object.keys(params)) {
      if (key === PER_TAG_PARAM) {
        if (typeof params[key] !== 'boolean') ctx.addIssue({ code: 'custom', path: ['params', key], message: 'must be true or false' });
      } else if (key !== rule.template) {
        ctx.addIssue({ code: 'custom', path: ['params', key], message: `is not a parameter of ${rule.template}` });
      }
    }
  });

export const retentionPolicyInput = z
  .object({
    id: z.int().min(0).optional(),
    algorithm: z.literal('or', { error: 'the only algorithm is or' }),
    rules: z.array(ruleInput).max(MAX_RETENTION_RULES, { error: `only ${MAX_RETENTION_RULES} rules are allowed at most` }),
    trigger: z
      .object({
        kind: z.literal('Schedule', { error: 'the only trigger kind is Schedule' }),
        settings: z
          .object({
            cron: z.string().superRefine((cron, ctx) => {
              // An empty schedule is Harbor's "no schedule" (manual runs only).
              const problem = cron === '' ? undefined : scheduleProblem(cron);
              if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron string for scheduled tag retention: ${cron}, error: ${problem}` });
            }),
          })
          .loose(),
        references: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
    scope: z.object({ level: z.literal('project', { error: 'scope project is the only one supported' }), ref: z.int().min(1) }).loose(),
  })
  .loose();

export type RetentionPolicyInput = z.output<typeof retentionPolicyInput>;

export interface RetentionSelector {
  kind: 'doublestar';
  decoration: string;
  pattern: string;
  extras?: string;
}

/** A rule as stored and evaluated: Harbor's RetentionRule with defaults filled in. */
export interface RetentionRule {
  id: number;
  priority: number;
  disabled: boolean;
  action: 'retain';
  template: TemplateId;
  params: Record<string, unknown>;
  tag_selectors: RetentionSelector[];
  scope_selectors: { repository: RetentionSelector[] };
}

export interface RetentionTrigger {
  kind: 'Schedule';
  settings: { cron: string };
  references: Record<string, unknown>;
}

/** The rules and trigger to store: rule ids default to their position (from 1), as Harbor's portal numbers them. */
export function normalizePolicy(input: RetentionPolicyInput): { rules: RetentionRule[]; trigger: RetentionTrigger } {
  const rules = input.rules.map((rule, index): RetentionRule => {
    const strip = (selector: RetentionSelector): RetentionSelector => ({ kind: selector.kind, decoration: selector.decoration, pattern: selector.pattern, ...(selector.extras !== undefined && { extras: selector.extras }) });
    return {
      id: rule.id || index + 1,
      priority: rule.priority ?? 0,
      disabled: rule.disabled ?? false,
      action: 'retain',
      template: rule.template,
      params: rule.params ?? {},
      tag_selectors: rule.tag_selectors.map(strip),
      scope_selectors: { repository: rule.scope_selectors.repository.map(strip) },
    };
  });
  return { rules, trigger: { kind: 'Schedule', settings: { cron: input.trigger.settings.cron }, references: input.trigger.references ?? {} } };
}

/**
 * Harbor's "rule n is conflict with rule m" (checkRuleConflict): two rules
 * that are the same but for their id. Returns the clash, if any.
 */
export function ruleConflict(rules: readonly RetentionRule[]): string | undefined {
  const seen = new Map<string, number>();
  for (const [index, rule] of rules.entries()) {
    const { id: _id, ...content } = rule;
    const key = JSON.stringify(content);
    const earlier = seen.get(key);
    if (earlier !== undefined) return `rule ${index} is conflict with rule ${earlier}`;
    seen.set(key, index);
  }
  return undefined;
}
