import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ImmutableRule } from '../immutability/immutable-match.ts';
import { decideRetention, type RetentionAction, type RetentionArtifact } from './retention-engine.ts';
import { PER_TAG_PARAM, type RetentionRule, type TemplateId } from './retention-policy.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => NOW - days * DAY_MS;

function digestOf(name: string): string {
  return `sha256:${createHash('sha256').update(name).digest('hex')}`;
}

/** An artifact named `name` (its digest derives from it), pushed `pushed` days ago, with tags [name, pushed days ago, pulled days ago]. */
function artifact(name: string, pushed: number, tags: [string, number, number | null][] = [], pulled: number | null = null): RetentionArtifact {
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
function tagged(name: string, pushed: number, pulled: number | null = null): RetentionArtifact {
  return artifact(name, pushed, [[name, pushed, pulled]], pulled);
}

function rule(template: TemplateId, value: number | undefined, options: { tags?: [string, string, string?][]; repos?: [string, string][]; disabled?: boolean; perTag?: boolean } = {}): RetentionRule {
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

function immutable(repositoryPattern: string, tagPattern: string, disabled = false, tagDecoration: ImmutableRule['tagDecoration'] = 'matches'): ImmutableRule {
  return { id: '1', disabled, repositoryDecoration: 'repoMatches', repositoryPattern, tagDecoration, tagPattern };
}

/** name → action, and the tag actions where a tag's fate differs from "goes with its artifact". */
function run(artifacts: RetentionArtifact[], rules: RetentionRule[], options: { repository?: string; immutableRules?: ImmutableRule[] } = {}) {
  const names = new Map(artifacts.map((a) => [a.digest, a.tags[0]?.name ?? a.digest]));
  const decisions = decideRetention({ repository: options.repository ?? 'app', artifacts, rules, immutableRules: options.immutableRules ?? [], now: NOW });
  const byName: Record<string, RetentionAction> = {};
  const tags: Record<string, RetentionAction> = {};
  for (const decision of decisions) {
    byName[names.get(decision.artifact.digest)!] = decision.action;
    for (const tag of decision.tags) tags[tag.name] = tag.action;
  }
  return { byName, tags };
}

function retained(artifacts: RetentionArtifact[], rules: RetentionRule[], options: { repository?: string; immutableRules?: ImmutableRule[] } = {}): string[] {
  return Object.entries(run(artifacts, rules, options).byName)
    .filter(([, action]) => action === 'RETAIN')
    .map(([name]) => name)
    .sort();
}

describe('retention templates', () => {
  const five = [tagged('a', 5), tagged('b', 4), tagged('c', 3), tagged('d', 2), tagged('e', 1)];

  it('latestPushedK keeps the K most recently pushed artifacts; K = 0 keeps none', () => {
    assert.deepEqual(retained(five, [rule('latestPushedK', 2)]), ['d', 'e']);
    assert.deepEqual(retained(five, [rule('latestPushedK', 0)]), []);
    assert.deepEqual(retained(five, [rule('latestPushedK', 99)]), ['a', 'b', 'c', 'd', 'e']);
  });

  it("latestPushedK counts an artifact's latest push, its tags' included", () => {
    // Pushed long ago, but one of its tags was moved onto it yesterday.
    const retagged = artifact('old', 100, [['old', 100, null], ['moved', 1, null]]);
    assert.deepEqual(retained([retagged, tagged('x', 3), tagged('y', 2)], [rule('latestPushedK', 1)]), ['old']);
  });

  it('latestPulledN keeps the N most recently pulled, the never-pulled last (but still counted when N is larger)', () => {
    const artifacts = [tagged('a', 1, null), tagged('b', 9, 3), tagged('c', 9, 1), tagged('d', 9, null)];
    assert.deepEqual(retained(artifacts, [rule('latestPulledN', 1)]), ['c']);
    assert.deepEqual(retained(artifacts, [rule('latestPulledN', 2)]), ['b', 'c']);
    // a and d were never pulled: the tie falls to the smaller digest.
    const third = digestOf('a') < digestOf('d') ? 'a' : 'd';
    assert.deepEqual(retained(artifacts, [rule('latestPulledN', 3)]), ['b', 'c', third].sort());
  });

  it('latestActiveK keeps the K latest by push or pull, whichever is later', () => {
    const artifacts = [tagged('pushed', 2, null), tagged('pulled', 30, 1), tagged('stale', 20, 10)];
    assert.deepEqual(retained(artifacts, [rule('latestActiveK', 2)]), ['pulled', 'pushed']);
  });

  it('nDaysSinceLastPush keeps what was pushed N days ago or since, to the second', () => {
    const artifacts = [tagged('today', 0), tagged('edge', 7), artifact('past', 7, [['past', 7 + 1 / 86_400, null]])];
    // "past" was pushed 7 days and 1 second ago.
    artifacts[2]!.pushedAt = artifacts[2]!.tags[0]!.pushedAt;
    assert.deepEqual(retained(artifacts, [rule('nDaysSinceLastPush', 7)]), ['edge', 'today']);
    assert.deepEqual(retained(artifacts, [rule('nDaysSinceLastPush', 0)]), ['today']);
  });

  it('nDaysSinceLastPull keeps what was pulled within N days; never pulled is never kept', () => {
    const artifacts = [tagged('recent', 50, 2), tagged('edge', 50, 10), tagged('old', 50, 11), tagged('never', 1, null)];
    assert.deepEqual(retained(artifacts, [rule('nDaysSinceLastPull', 10)]), ['edge', 'recent']);
  });

  it("lastXDays (Harbor's older template) keeps what was pushed strictly after the cut-off", () => {
    const artifacts = [tagged('edge', 7), tagged('inside', 6)];
    assert.deepEqual(retained(artifacts, [rule('lastXDays', 7)]), ['inside']);
  });

  it('always keeps everything the selectors chose', () => {
    assert.deepEqual(retained(five, [rule('always', undefined)]), ['a', 'b', 'c', 'd', 'e']);
  });

  it('breaks ties in the latest templates by digest, so a dry run and the real run agree', () => {
    const same = [tagged('p', 3), tagged('q', 3), tagged('r', 3)];
    const expected = ['p', 'q', 'r'].sort((x, y) => (digestOf(x) < digestOf(y) ? -1 : 1)).slice(0, 2).sort();
    assert.deepEqual(retained(same, [rule('latestPushedK', 2)]), expected);
    assert.deepEqual(retained([...same].reverse(), [rule('latestPushedK', 2)]), expected);
  });
});

describe('retention selectors', () => {
  const untagged = artifact('untagged', 1);
  const artifacts = [tagged('v1', 3), tagged('v2', 2), tagged('dev-1', 1), untagged];
  const names = (decisions: Record<string, RetentionAction>) => Object.entries(decisions).filter(([, a]) => a === 'RETAIN').map(([n]) => (n === untagged.digest ? 'untagged' : n)).sort();

  const cases: [string, [string, string, string?][], string[]][] = [
    ['matches takes artifacts with a matching tag, and untagged ones by default', [['matches', 'v*']], ['untagged', 'v1', 'v2']],
    ['matches with extras untagged false leaves untagged artifacts out', [['matches', 'v*', '{"untagged":false}']], ['v1', 'v2']],
    ['matches with extras untagged true takes them', [['matches', 'v*', '{"untagged":true}']], ['untagged', 'v1', 'v2']],
    ['excludes takes artifacts with a tag that does not match, and untagged ones by default', [['excludes', 'v*']], ['dev-1', 'untagged']],
    ['excludes with extras untagged true leaves untagged artifacts out', [['excludes', 'v*', '{"untagged":true}']], ['dev-1']],
    ['extras without "untagged" read as false, as Go decodes them', [['matches', '**', '{}']], ['dev-1', 'v1', 'v2']],
    ['{a,b} alternatives', [['matches', '{v1,dev-*}', '{"untagged":false}']], ['dev-1', 'v1']],
    ['several tag selectors narrow one after the other', [['matches', '**', '{"untagged":false}'], ['excludes', 'v2']], ['dev-1', 'v1']],
    ['an empty pattern matches every tag', [['matches', '', '{"untagged":false}']], ['dev-1', 'v1', 'v2']],
  ];
  for (const [what, tags, expected] of cases) {
    it(what, () => {
      assert.deepEqual(names(run(artifacts, [rule('always', undefined, { tags })]).byName), expected);
    });
  }

  it('an artifact with several tags is taken by matches when any tag matches, by excludes when any tag does not', () => {
    const both = artifact('both', 5, [['v9', 5, null], ['dev-9', 5, null]]);
    const devOnly = artifact('devs', 5, [['dev-7', 5, null], ['dev-8', 5, null]]);
    assert.deepEqual(run([both, devOnly], [rule('always', undefined, { tags: [['matches', 'v*']] })]).byName, { v9: 'RETAIN', 'dev-7': 'DEL' });
    assert.deepEqual(run([both, devOnly], [rule('always', undefined, { tags: [['excludes', 'dev-*']] })]).byName, { v9: 'RETAIN', 'dev-7': 'DEL' });
    // Harbor keeps or deletes the whole artifact: no tag is deleted on its own.
    assert.deepEqual(run([both, devOnly], [rule('always', undefined, { tags: [['excludes', 'dev-*']] })]).tags, { v9: 'RETAIN', 'dev-9': 'RETAIN', 'dev-7': 'DEL', 'dev-8': 'DEL' });
  });

  it('repository selectors: a rule applies where all of them select the name inside the project; elsewhere nothing is touched', () => {
    const keepNone = (repos: [string, string][]) => rule('latestPushedK', 0, { repos });
    const fate = (repository: string, repos: [string, string][]) => run([tagged('v1', 1)], [keepNone(repos)], { repository }).byName.v1;
    assert.equal(fate('team/app', [['repoMatches', 'team/*']]), 'DEL');
    assert.equal(fate('team/a/b', [['repoMatches', 'team/*']]), 'RETAIN');
    assert.equal(fate('team/a/b', [['repoMatches', 'team/**']]), 'DEL');
    assert.equal(fate('team/app', [['repoExcludes', 'team/**']]), 'RETAIN');
    assert.equal(fate('other', [['repoExcludes', 'team/**']]), 'DEL');
    assert.equal(fate('team/app', [['repoMatches', '**'], ['repoExcludes', 'team/app']]), 'RETAIN');
    assert.equal(fate('web', [['repoMatches', '{web,api}']]), 'DEL');
  });
});

describe('retention policies', () => {
  it('combine rules with or: what any rule keeps stays', () => {
    const artifacts = [tagged('v1', 10), tagged('v2', 9), tagged('release-1', 30), tagged('tmp', 1)];
    const rules = [rule('latestPushedK', 1, { tags: [['matches', 'v*']] }), rule('always', undefined, { tags: [['matches', 'release-*']] })];
    assert.deepEqual(run(artifacts, rules).byName, { v1: 'DEL', v2: 'RETAIN', 'release-1': 'RETAIN', tmp: 'DEL' });
  });

  it('skip disabled rules; a repository only disabled rules cover is left alone', () => {
    const artifacts = [tagged('a', 1), tagged('b', 2)];
    assert.deepEqual(run(artifacts, [rule('latestPushedK', 0, { disabled: true })]).byName, { a: 'RETAIN', b: 'RETAIN' });
    assert.deepEqual(run(artifacts, [rule('latestPushedK', 0, { disabled: true }), rule('latestPushedK', 1)]).byName, { a: 'RETAIN', b: 'DEL' });
    assert.deepEqual(run(artifacts, []).byName, { a: 'RETAIN', b: 'RETAIN' });
  });

  it('never delete an artifact an immutable tag covers: it is logged IMMUTABLE; untagged artifacts are never immutable', () => {
    const artifacts = [artifact('pinned', 9, [['release-1', 9, null], ['scratch', 9, null]]), tagged('loose', 8), artifact('untagged', 7)];
    const { byName, tags } = run(artifacts, [rule('latestPushedK', 0)], { immutableRules: [immutable('**', 'release-*'), immutable('**', '**', true), immutable('other', '**')] });
    assert.deepEqual(byName, { 'release-1': 'IMMUTABLE', loose: 'DEL', [digestOf('untagged')]: 'DEL' });
    // Harbor keeps the whole artifact, its other tags with it.
    assert.deepEqual(tags, { 'release-1': 'IMMUTABLE', scratch: 'RETAIN', loose: 'DEL' });
    // excludes in an immutable rule: every tag but the pattern's is immutable, untagged artifacts still are not.
    assert.deepEqual(run(artifacts, [rule('latestPushedK', 0)], { immutableRules: [immutable('**', 'release-*', false, 'excludes')] }).byName, { 'release-1': 'IMMUTABLE', loose: 'IMMUTABLE', [digestOf('untagged')]: 'DEL' });
  });
});

describe('per-tag rules (Berth)', () => {
  it('keep tags, not artifacts: stale tags go while the artifact stays for a kept tag', () => {
    const shared = artifact('shared', 30, [['fresh', 1, null], ['stale', 30, null]]);
    const gone = artifact('gone', 20, [['older', 20, null]]);
    const { byName, tags } = run([shared, gone], [rule('latestPushedK', 1, { perTag: true })]);
    assert.deepEqual(byName, { fresh: 'RETAIN', older: 'DEL' });
    assert.deepEqual(tags, { fresh: 'RETAIN', stale: 'DEL', older: 'DEL' });
  });

  it('count tags by their own push and pull times', () => {
    const one = artifact('one', 10, [['t1', 10, 1], ['t2', 10, null]]);
    const two = artifact('two', 10, [['t3', 10, 2]]);
    assert.deepEqual(run([one, two], [rule('latestPulledN', 1, { perTag: true })]).tags, { t1: 'RETAIN', t2: 'DEL', t3: 'DEL' });
    assert.deepEqual(run([one, two], [rule('nDaysSinceLastPull', 3, { perTag: true })]).tags, { t1: 'RETAIN', t2: 'DEL', t3: 'RETAIN' });
  });

  it('select each tag on its own: excludes no longer keeps an artifact for one other tag', () => {
    const mixed = artifact('mixed', 5, [['v1', 5, null], ['dev-1', 5, null]]);
    assert.deepEqual(run([mixed], [rule('always', undefined, { perTag: true, tags: [['excludes', 'dev-*']] })]).tags, { v1: 'RETAIN', 'dev-1': 'DEL' });
  });

  it('keep immutable tags, deleting the others of an artifact no rule keeps', () => {
    const pinned = artifact('pinned', 30, [['release-1', 30, null], ['tmp-1', 30, null]]);
    const { byName, tags } = run([pinned, tagged('new', 1)], [rule('latestPushedK', 1, { perTag: true })], { immutableRules: [immutable('**', 'release-*')] });
    assert.deepEqual(byName, { 'release-1': 'IMMUTABLE', new: 'RETAIN' });
    assert.deepEqual(tags, { 'release-1': 'IMMUTABLE', 'tmp-1': 'DEL', new: 'RETAIN' });
  });

  it('leave every tag of an artifact a whole-artifact rule keeps', () => {
    const kept = artifact('kept', 30, [['release-1', 30, null], ['old', 30, null]]);
    const rules = [rule('latestPushedK', 1, { perTag: true, tags: [['matches', 'new']] }), rule('always', undefined, { tags: [['matches', 'release-*']] })];
    assert.deepEqual(run([kept, tagged('new', 1)], rules).tags, { 'release-1': 'RETAIN', old: 'RETAIN', new: 'RETAIN' });
  });

  it('treat untagged artifacts as candidates of their own', () => {
    const { byName } = run([artifact('untagged', 1), tagged('t', 2)], [rule('latestPushedK', 1, { perTag: true })]);
    assert.deepEqual(byName, { [digestOf('untagged')]: 'RETAIN', t: 'DEL' });
  });
});

describe('golden dry run', () => {
  /**
   * Repository web/frontend, 300 artifacts and 270 tags:
   * - build-1 … build-200, one tag each, build-i pushed 201 − i days ago;
   * - release-1 … release-30 (tag release-j.0), pushed 300 + j days ago, the even ones pulled j days ago;
   * - untagged-1 … untagged-50, pushed k days ago, every tenth pulled k/10 days ago;
   * - feature-1 … feature-20 with tags feature-m (moved onto it 10·m days ago) and sha-m (pushed with it 10·m + 5 days ago).
   * Immutable: release-* in web/** (plus a disabled catch-all and a rule for another repository).
   *
   * Expected (testdata/golden-dry-run.json, written from this reasoning, not by the engine):
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
  function repository(): RetentionArtifact[] {
    const artifacts: RetentionArtifact[] = [];
    const named = (name: string, a: RetentionArtifact) => ({ ...a, digest: digestOf(name) });
    for (let i = 1; i <= 200; i++) artifacts.push(named(`build-${i}`, tagged(`build-${i}`, 201 - i)));
    for (let j = 1; j <= 30; j++) {
      const pulled = j % 2 === 0 ? j : null;
      artifacts.push(named(`release-${j}`, artifact(`release-${j}`, 300 + j, [[`release-${j}.0`, 300 + j, pulled]], pulled)));
    }
    for (let k = 1; k <= 50; k++) artifacts.push(named(`untagged-${k}`, artifact(`untagged-${k}`, k, [], k % 10 === 0 ? k / 10 : null)));
    for (let m = 1; m <= 20; m++) {
      artifacts.push(named(`feature-${m}`, artifact(`feature-${m}`, 10 * m + 5, [[`feature-${m}`, 10 * m, null], [`sha-${m}`, 10 * m + 5, null]])));
    }
    return artifacts;
  }

  it('decides each of 300 artifacts and 270 tags as reasoned out by hand', () => {
    const rules = [
      rule('latestPushedK', 10, { tags: [['matches', 'build-*', '{"untagged":false}']] }),
      rule('nDaysSinceLastPull', 10, { tags: [['matches', 'release-*']] }),
      rule('nDaysSinceLastPush', 7, { tags: [['matches', '**', '{"untagged":true}']] }),
      rule('latestPushedK', 3, { perTag: true, tags: [['excludes', 'build-*', '{"untagged":true}']] }),
      rule('always', undefined, { repos: [['repoMatches', 'other/**']] }),
      rule('always', undefined, { disabled: true }),
    ];
    const immutableRules = [immutable('web/**', 'release-*'), immutable('**', '**', true), immutable('other', 'build-*')];
    const artifacts = repository();
    const names = new Map<string, string>();
    for (const name of [...Array.from({ length: 200 }, (_, i) => `build-${i + 1}`), ...Array.from({ length: 30 }, (_, j) => `release-${j + 1}`), ...Array.from({ length: 50 }, (_, k) => `untagged-${k + 1}`), ...Array.from({ length: 20 }, (_, m) => `feature-${m + 1}`)]) {
      names.set(digestOf(name), name);
    }
    const decisions = decideRetention({ repository: 'web/frontend', artifacts, rules, immutableRules, now: NOW });
    const actual = Object.fromEntries(decisions.map((d) => [names.get(d.artifact.digest)!, { action: d.action, tags: Object.fromEntries(d.tags.map((t) => [t.name, t.action])) }]));
    const expected = JSON.parse(readFileSync(new URL('./testdata/golden-dry-run.json', import.meta.url), 'utf8'));
    assert.equal(decisions.length, 300);
    assert.equal(decisions.reduce((n, d) => n + d.tags.length, 0), 270);
    assert.deepEqual(actual, expected);
  });
});
