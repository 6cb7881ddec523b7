import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ImmutableRule } from '../../immutability/immutable-match.ts';
import type { RetentionAction, RetentionArtifact } from '../retention-engine.ts';
import { PER_TAG_PARAM, type RetentionRule, type TemplateId } from '../retention-policy.ts';

/**
 * Retention's test fixtures: artifacts, rules and immutable rules in few
 * words, and the golden dry run that both the engine's table tests and the
 * retention runs' integration test (on a real repository) decide.
 */

/** The clock of every fixture: times are so many days before it. */
export const NOW = Date.parse('2026-06-01T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => NOW - days * DAY_MS;

export function digestOf(name: string): string {
  return `sha256:${createHash('sha256').update(name).digest('hex')}`;
}

/** An artifact named `name` (its digest derives from it), pushed `pushed` days ago, with tags [name, pushed days ago, pulled days ago]. */
export function artifact(name: string, pushed: number, tags: [string, number, number | null][] = [], pulled: number | null = null): RetentionArtifact {
  return {
    digest: digestOf(name),
    kind: 'image',
    labels: [],
    pushedAt: daysAgo(pushed),
    pulledAt: pulled === null ? null : daysAgo(pulled),
    tags: tags.map(([tag, tagPushed, tagPulled]) => ({ name: tag, pushedAt: daysAgo(tagPushed), pulledAt: tagPulled === null ? null : daysAgo(tagPulled) })),
  };
}

/** An artifact with one tag of the same name, pushed and pulled with it. */
export function tagged(name: string, pushed: number, pulled: number | null = null): RetentionArtifact {
  return artifact(name, pushed, [[name, pushed, pulled]], pulled);
}

export function rule(template: TemplateId, value: number | undefined, options: { tags?: [string, string, string?][]; repos?: [string, string][]; disabled?: boolean; perTag?: boolean } = {}): RetentionRule {
  return {
    id: 1,
    priority: 0,
    disabled: options.disabled ?? false,
    action: 'retain',
    template,
    params: { ...(value !== undefined && { [template]: value }), ...(options.perTag && { [PER_TAG_PARAM]: true }) },
    tag_selectors: (options.tags ?? [['matches', '**']]).map(([decoration, pattern, extras]) => ({ kind: 'doublestar', decoration, pattern, ...(extras !== undefined && { extras }) })),
    scope_selectors: { repository: (options.repos ?? [['repoMatches', '**']]).map(([decoration, pattern]) => ({ kind: 'doublestar', decoration, pattern })) },
  };
}

export function immutable(repositoryPattern: string, tagPattern: string, disabled = false, tagDecoration: ImmutableRule['tagDecoration'] = 'matches'): ImmutableRule {
  return { id: '1', disabled, repositoryDecoration: 'repoMatches', repositoryPattern, tagDecoration, tagPattern };
}

/**
 * The golden dry run. Repository web/frontend, 300 artifacts and 270 tags:
 * - build-1 … build-200, one tag each, build-i pushed 201 − i days ago;
 * - release-1 … release-30 (tag release-j.0), pushed 300 + j days ago, the even ones pulled j days ago;
 * - untagged-1 … untagged-50, pushed k days ago, every tenth pulled k/10 days ago;
 * - feature-1 … feature-20 with tags feature-m (moved onto it 10·m days ago) and sha-m (pushed with it 10·m + 5 days ago).
 * Immutable: release-* in web/** (plus a disabled catch-all and a rule for another repository).
 *
 * Expected (golden-dry-run.json, written from this reasoning, not by the engine):
 * - R1 keeps the 10 newest builds (191–200); builds pushed within 7 days (194–200) R3 keeps too. Builds 1–190: DEL.
 * - R2 (release-*, pulled within 10 days) keeps releases 2, 4, 6, 8, 10 (10 exactly at the edge), and — matches
 *   takes untagged artifacts by default — untagged 10, 20, 30, 40, 50, pulled 1–5 days ago. The other releases
 *   would go, but release-* is immutable: IMMUTABLE.
 * - R3 (everything, untagged included, pushed within 7 days) keeps untagged 1–7 (7 at the edge). Untagged 8–49 but
 *   the tenths: DEL.
 * - R4 (per tag, excludes build-*, untagged excluded, the 3 newest tags) ranks feature-1 (10 days), sha-1 (15),
 *   feature-2 (20) first: feature-1's artifact keeps both tags, feature-2's keeps feature-2 and loses sha-2, the
 *   other 18 feature artifacts go.
 * - R5 applies to other/** only; R6 is disabled.
 */
export const GOLDEN_REPOSITORY = 'web/frontend';

/** The golden repository's artifacts, each with its name (the key of golden-dry-run.json). */
export function goldenArtifacts(): { name: string; artifact: RetentionArtifact }[] {
  const artifacts: { name: string; artifact: RetentionArtifact }[] = [];
  for (let i = 1; i <= 200; i++) artifacts.push({ name: `build-${i}`, artifact: tagged(`build-${i}`, 201 - i) });
  for (let j = 1; j <= 30; j++) {
    const pulled = j % 2 === 0 ? j : null;
    artifacts.push({ name: `release-${j}`, artifact: artifact(`release-${j}`, 300 + j, [[`release-${j}.0`, 300 + j, pulled]], pulled) });
  }
  for (let k = 1; k <= 50; k++) artifacts.push({ name: `untagged-${k}`, artifact: artifact(`untagged-${k}`, k, [], k % 10 === 0 ? k / 10 : null) });
  for (let m = 1; m <= 20; m++) {
    artifacts.push({ name: `feature-${m}`, artifact: artifact(`feature-${m}`, 10 * m + 5, [[`feature-${m}`, 10 * m, null], [`sha-${m}`, 10 * m + 5, null]]) });
  }
  return artifacts;
}

export const GOLDEN_RULES: RetentionRule[] = [
  rule('latestPushedK', 10, { tags: [['matches', 'build-*', '{"untagged":false}']] }),
  rule('nDaysSinceLastPull', 10, { tags: [['matches', 'release-*']] }),
  rule('nDaysSinceLastPush', 7, { tags: [['matches', '**', '{"untagged":true}']] }),
  rule('latestPushedK', 3, { perTag: true, tags: [['excludes', 'build-*', '{"untagged":true}']] }),
  rule('always', undefined, { repos: [['repoMatches', 'other/**']] }),
  rule('always', undefined, { disabled: true }),
];

export const GOLDEN_IMMUTABLE_RULES: ImmutableRule[] = [immutable('web/**', 'release-*'), immutable('**', '**', true), immutable('other', 'build-*')];

/** Each artifact's expected fate by name, and each of its tags'. */
export function goldenExpected(): Record<string, { action: RetentionAction; tags: Record<string, RetentionAction> }> {
  return JSON.parse(readFileSync(new URL('./golden-dry-run.json', import.meta.url), 'utf8'));
}
