import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ImmutableRule } from '../immutability/immutable-match.ts';
import { decideRetention, type RetentionAction, type RetentionArtifact } from './retention-engine.ts';
import type { RetentionRule } from './retention-policy.ts';
import { artifact, digestOf, GOLDEN_IMMUTABLE_RULES, GOLDEN_REPOSITORY, GOLDEN_RULES, goldenArtifacts, goldenExpected, immutable, NOW, rule, tagged } from './testdata/golden.ts';

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
  // The repository, rules and expected decisions, reasoned out by hand: testdata/golden.ts.
  it('decides each of 300 artifacts and 270 tags as reasoned out by hand', () => {
    const named = goldenArtifacts();
    const names = new Map(named.map(({ name, artifact }) => [artifact.digest, name]));
    const decisions = decideRetention({ repository: GOLDEN_REPOSITORY, artifacts: named.map((n) => n.artifact), rules: GOLDEN_RULES, immutableRules: GOLDEN_IMMUTABLE_RULES, now: NOW });
    const actual = Object.fromEntries(decisions.map((d) => [names.get(d.artifact.digest)!, { action: d.action, tags: Object.fromEntries(d.tags.map((t) => [t.name, t.action])) }]));
    assert.equal(decisions.length, 300);
    assert.equal(decisions.reduce((n, d) => n + d.tags.length, 0), 270);
    assert.deepEqual(actual, goldenExpected());
  });
});
