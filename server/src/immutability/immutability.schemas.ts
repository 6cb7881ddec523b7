import { z } from 'zod';
import { patternProblem } from './doublestar.ts';

/**
 * A Harbor selector with the one kind Harbor has, `doublestar`, and the
 * decorations the place allows; the pattern must be doublestar syntax (Harbor
 * stores a bad one and fails each time it matches; Berth refuses it up front).
 */
export function doublestarSelector<const D extends readonly [string, ...string[]]>(decorations: D) {
  return z.object({
    kind: z.literal('doublestar', { error: 'the only selector kind is doublestar' }),
    decoration: z.enum(decorations, { error: `must be one of ${decorations.join(', ')}` }),
    pattern: z
      .string()
      .max(1024)
      .superRefine((pattern, ctx) => {
        const problem = patternProblem(pattern);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    extras: z.string().max(1024).optional(),
  });
}

const tagSelector = doublestarSelector(['matches', 'excludes'] as const);
const repositorySelector = doublestarSelector(['repoMatches', 'repoExcludes'] as const);

/**
 * Harbor's ImmutableRule as clients write it: one tag selector and one
 * repository selector (Harbor's matcher reads only the first of each, so
 * more would be ignored silently there; Berth refuses them).
 */
export const immutableRuleInput = z
  .object({
    id: z.int().min(0).optional(),
    priority: z.int().min(0).max(1_000_000).optional(),
    disabled: z.boolean().optional(),
    action: z.literal('immutable', { error: 'the only action is immutable' }).optional(),
    template: z.literal('immutable_template', { error: 'the only template is immutable_template' }).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    tag_selectors: z.array(tagSelector).length(1, { error: 'exactly one tag selector' }),
    scope_selectors: z.object({ repository: z.array(repositorySelector).length(1, { error: 'exactly one repository selector' }) }).strict(),
  })
  .loose();

const SelectorOut = z.object({ kind: z.string(), decoration: z.string(), pattern: z.string() });

/** Harbor's ImmutableRule as Berth answers it. */
export const ImmutableRule = z
  .object({
    id: z.int(),
    priority: z.int(),
    disabled: z.boolean(),
    action: z.literal('immutable'),
    template: z.literal('immutable_template'),
    tag_selectors: z.array(SelectorOut),
    scope_selectors: z.object({ repository: z.array(SelectorOut) }),
  })
  .meta({ id: 'ImmutableRule' });
