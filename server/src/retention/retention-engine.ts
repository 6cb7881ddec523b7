import { doublestarMatch } from '../immutability/doublestar.ts';
import { immutableRuleFor, type ImmutableRule } from '../immutability/immutable-match.ts';
import { PER_TAG_PARAM, type RetentionRule, type RetentionSelector } from './retention-policy.ts';

/**
 * Tag retention's decision, pure: given one repository's artifacts and the
 * project's policy, which artifacts (and, with Berth's per-tag rules, which
 * tags) go. It follows Harbor's retention job (pkg/retention: launcher, the
 * "or" processor, the evaluators, the retain performer):
 *
 * - A rule applies to a repository when every one of its repository
 *   selectors selects the repository's name inside the project. Disabled
 *   rules do nothing. A repository no rule applies to is left alone.
 * - Each rule starts from all candidates, narrows them with its tag
 *   selectors one after the other, and its template picks which of the rest
 *   to retain. Rules combine with "or": a candidate any rule retains stays;
 *   every other one is deleted — so a policy whose rules retain nothing
 *   deletes everything in the repositories it applies to, as in Harbor.
 * - Harbor's candidate is an artifact with all its tags: a tag selector
 *   `matches` takes an artifact when any of its tags matches, `excludes` when
 *   any tag does not match. An untagged artifact is taken by `matches` when
 *   the selector's extras say {"untagged": true} and by `excludes` when they
 *   do not; without extras both take it (Harbor's default, which keeps
 *   untagged artifacts on upgrade). Its push
 *   time is the latest of the artifact's and its tags' push times, its pull
 *   time likewise; never pulled sorts last and is never "within N days".
 * - An artifact that would be deleted but has a tag an immutable tag rule
 *   covers is kept and logged IMMUTABLE.
 *
 * Beyond Harbor, a rule with params["berth.per_tag"] = true takes each tag
 * as its own candidate (with the tag's push and pull times; untagged
 * artifacts stay candidates of their own): it keeps tags, not artifacts. An
 * artifact stays while any rule keeps it or any of its tags; once a
 * repository has a per-tag rule, the tags no rule keeps are deleted from
 * artifacts that stay (an immutable tag is kept, IMMUTABLE). Without per-tag
 * rules no tag is ever deleted on its own, exactly as in Harbor.
 *
 * Ties in the "latest" templates (Harbor leaves their order to Go's unstable
 * sort) are broken by digest, then tag, in ascending order, so a dry run and
 * the run after it decide alike.
 */

export interface RetentionTag {
  name: string;
  /** When the tag was last pointed at this artifact (ms since the epoch). */
  pushedAt: number;
  pulledAt: number | null;
}

/** One top-level artifact of the repository (index children and accessories go with their parent, never on their own). */
export interface RetentionArtifact {
  digest: string;
  /** Harbor's candidate kind, "image" for every artifact. */
  kind: string;
  labels: string[];
  pushedAt: number;
  pulledAt: number | null;
  tags: RetentionTag[];
}

export type RetentionAction = 'RETAIN' | 'DEL' | 'IMMUTABLE';

export interface RetentionDecision {
  artifact: RetentionArtifact;
  /** RETAIN: the artifact stays; DEL: it is deleted with all its tags; IMMUTABLE: it would be deleted but an immutable tag keeps it. */
  action: RetentionAction;
  /** Each tag's fate: DEL here (artifact RETAIN or IMMUTABLE) means deleting that tag alone. */
  tags: { name: string; action: RetentionAction }[];
  /** Harbor's candidate times (seconds): the latest push and pull of the artifact and its tags. */
  pushedTime: number;
  pulledTime: number | null;
}

interface Candidate {
  /** Index into the artifacts. */
  artifact: number;
  /** Set for the candidates of per-tag rules. */
  tag?: string;
  tags: string[];
  sortKey: string;
  pushed: number;
  /** -Infinity when never pulled. */
  pulled: number;
}

const DAY = 86_400;

function seconds(ms: number | null): number {
  return ms === null ? -Infinity : Math.floor(ms / 1000);
}

function latest(...times: (number | null)[]): number | null {
  const known = times.filter((time): time is number => time !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** Whether a rule's repository selectors all select the repository (its name inside the project). */
export function ruleAppliesTo(rule: RetentionRule, repository: string): boolean {
  return !rule.disabled && rule.scope_selectors.repository.every((selector) => doublestarMatch(selector.pattern, repository) === (selector.decoration === 'repoMatches'));
}

function untaggedOf(selector: RetentionSelector): boolean {
  let untagged = selector.decoration === 'matches';
  if (selector.extras) {
    try {
      const extras = JSON.parse(selector.extras) as { untagged?: unknown };
      // Harbor's Go decoder leaves a missing "untagged" false.
      untagged = extras.untagged === true;
    } catch {
      // Harbor ignores extras it cannot decode; the API refuses them before they are stored.
    }
  }
  return untagged;
}

function selects(selector: RetentionSelector, candidate: Candidate): boolean {
  const untagged = untaggedOf(selector);
  if (selector.decoration === 'matches') return candidate.tags.length > 0 ? candidate.tags.some((tag) => doublestarMatch(selector.pattern, tag)) : untagged;
  return candidate.tags.length > 0 ? candidate.tags.some((tag) => !doublestarMatch(selector.pattern, tag)) : !untagged;
}

function byNewest(time: (candidate: Candidate) => number) {
  return (a: Candidate, b: Candidate) => {
    const difference = time(b) - time(a);
    if (difference !== 0 && !Number.isNaN(difference)) return difference > 0 ? 1 : -1;
    // Equal times, both never pulled included.
    return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
  };
}

function param(rule: RetentionRule): number {
  return rule.params[rule.template] as number;
}

/** The candidates a rule's template retains, of those its tag selectors left. */
function evaluate(rule: RetentionRule, candidates: Candidate[], now: number): Candidate[] {
  const nowSeconds = Math.floor(now / 1000);
  switch (rule.template) {
    case 'always':
      return candidates;
    case 'latestPushedK':
      return [...candidates].sort(byNewest((c) => c.pushed)).slice(0, param(rule));
    case 'latestPulledN':
      return [...candidates].sort(byNewest((c) => c.pulled)).slice(0, param(rule));
    case 'latestActiveK':
      return [...candidates].sort(byNewest((c) => Math.max(c.pushed, c.pulled))).slice(0, param(rule));
    case 'nDaysSinceLastPush':
      return candidates.filter((c) => c.pushed >= nowSeconds - param(rule) * DAY);
    case 'nDaysSinceLastPull':
      return candidates.filter((c) => c.pulled >= nowSeconds - param(rule) * DAY);
    case 'lastXDays':
      return candidates.filter((c) => c.pushed > nowSeconds - param(rule) * DAY);
  }
}

/**
 * Decides every artifact of one repository. `repository` is its name inside
 * the project ("team/app"), as selectors see it; `rules` are the policy's
 * (disabled ones and those for other repositories are skipped here);
 * `immutableRules` the project's immutable tag rules; `now` in ms.
 */
export function decideRetention(input: { repository: string; artifacts: RetentionArtifact[]; rules: readonly RetentionRule[]; immutableRules: readonly ImmutableRule[]; now: number }): RetentionDecision[] {
  const { repository, artifacts, immutableRules, now } = input;
  const rules = input.rules.filter((rule) => ruleAppliesTo(rule, repository));
  const times = artifacts.map((artifact) => ({
    pushed: latest(artifact.pushedAt, ...artifact.tags.map((tag) => tag.pushedAt))!,
    pulled: latest(artifact.pulledAt, ...artifact.tags.map((tag) => tag.pulledAt)),
  }));
  const decisions = (action: (index: number) => { action: RetentionAction; tags: { name: string; action: RetentionAction }[] }) =>
    artifacts.map((artifact, index) => ({ artifact, ...action(index), pushedTime: seconds(times[index]!.pushed), pulledTime: times[index]!.pulled === null ? null : seconds(times[index]!.pulled) }));
  if (rules.length === 0) return decisions((index) => ({ action: 'RETAIN', tags: artifacts[index]!.tags.map((tag) => ({ name: tag.name, action: 'RETAIN' })) }));

  const whole: Candidate[] = artifacts.map((artifact, index) => ({
    artifact: index,
    tags: artifact.tags.map((tag) => tag.name),
    sortKey: artifact.digest,
    pushed: seconds(times[index]!.pushed),
    pulled: seconds(times[index]!.pulled),
  }));
  const perTag: Candidate[] = artifacts.flatMap((artifact, index) =>
    artifact.tags.length === 0
      ? [whole[index]!]
      : artifact.tags.map((tag) => ({ artifact: index, tag: tag.name, tags: [tag.name], sortKey: `${artifact.digest}\0${tag.name}`, pushed: seconds(tag.pushedAt), pulled: seconds(tag.pulledAt) })),
  );

  const keptArtifacts = new Set<number>();
  const keptTags = new Set<string>();
  let perTagRules = false;
  for (const rule of rules) {
    const tagWise = rule.params[PER_TAG_PARAM] === true;
    perTagRules ||= tagWise;
    let selected = tagWise ? perTag : whole;
    for (const selector of rule.tag_selectors) selected = selected.filter((candidate) => selects(selector, candidate));
    for (const kept of evaluate(rule, selected, now)) {
      if (kept.tag === undefined) keptArtifacts.add(kept.artifact);
      else keptTags.add(`${kept.artifact}\0${kept.tag}`);
    }
  }

  return decisions((index) => {
    const tags = artifacts[index]!.tags.map((tag) => tag.name);
    const immutable = new Set(tags.filter((tag) => immutableRuleFor(immutableRules, repository, tag)));
    if (keptArtifacts.has(index)) return { action: 'RETAIN', tags: tags.map((name) => ({ name, action: 'RETAIN' })) };
    const unkept = (name: string): RetentionAction => (immutable.has(name) ? 'IMMUTABLE' : perTagRules ? 'DEL' : 'RETAIN');
    if (tags.some((name) => keptTags.has(`${index}\0${name}`))) {
      return { action: 'RETAIN', tags: tags.map((name) => ({ name, action: keptTags.has(`${index}\0${name}`) ? 'RETAIN' : unkept(name) })) };
    }
    if (immutable.size > 0) return { action: 'IMMUTABLE', tags: tags.map((name) => ({ name, action: unkept(name) })) };
    return { action: 'DEL', tags: tags.map((name) => ({ name, action: 'DEL' })) };
  });
}
