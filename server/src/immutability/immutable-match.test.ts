import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { immutableRuleFor, type ImmutableRule } from './immutable-match.ts';

function rule(id: string, repository: [ImmutableRule['repositoryDecoration'], string], tag: [ImmutableRule['tagDecoration'], string], disabled = false): ImmutableRule {
  return { id, disabled, repositoryDecoration: repository[0], repositoryPattern: repository[1], tagDecoration: tag[0], tagPattern: tag[1] };
}

describe('immutable tag rules', () => {
  // Every combination of the two decorations, each against a matching and a non-matching name.
  const cases: [ImmutableRule, string, string, boolean][] = [
    [rule('1', ['repoMatches', 'app'], ['matches', 'v*']), 'app', 'v1', true],
    [rule('1', ['repoMatches', 'app'], ['matches', 'v*']), 'app', 'latest', false],
    [rule('1', ['repoMatches', 'app'], ['matches', 'v*']), 'other', 'v1', false],
    [rule('1', ['repoMatches', 'app'], ['excludes', 'v*']), 'app', 'latest', true],
    [rule('1', ['repoMatches', 'app'], ['excludes', 'v*']), 'app', 'v1', false],
    [rule('1', ['repoExcludes', 'app'], ['matches', '**']), 'other', 'v1', true],
    [rule('1', ['repoExcludes', 'app'], ['matches', '**']), 'app', 'v1', false],
    [rule('1', ['repoExcludes', 'app'], ['excludes', 'dev-*']), 'other', 'v1', true],
    [rule('1', ['repoExcludes', 'app'], ['excludes', 'dev-*']), 'other', 'dev-3', false],
    // The repository is the name inside the project: * stays within one segment, ** spans them.
    [rule('1', ['repoMatches', '*'], ['matches', '**']), 'team/app', 'v1', false],
    [rule('1', ['repoMatches', '**'], ['matches', '**']), 'team/app', 'v1', true],
    [rule('1', ['repoMatches', 'team/**'], ['matches', '{v1,v2}.*']), 'team/a/b', 'v2.0', true],
    [rule('1', ['repoMatches', 'team/**'], ['matches', '{v1,v2}.*']), 'team/a/b', 'v3.0', false],
    // Harbor: an empty pattern matches everything.
    [rule('1', ['repoMatches', ''], ['matches', '']), 'any/thing', 'x', true],
    [rule('1', ['repoMatches', '**'], ['matches', '**'], true), 'app', 'v1', false],
  ];
  for (const [r, repository, tag, immutable] of cases) {
    it(`${r.disabled ? 'disabled ' : ''}${r.repositoryDecoration} ${JSON.stringify(r.repositoryPattern)} + ${r.tagDecoration} ${JSON.stringify(r.tagPattern)}: ${repository}:${tag} is ${immutable ? '' : 'not '}immutable`, () => {
      assert.equal(immutableRuleFor([r], repository, tag)?.id, immutable ? '1' : undefined);
    });
  }

  it('combines rules with or, naming the first one that holds', () => {
    const rules = [rule('1', ['repoMatches', 'db'], ['matches', '**']), rule('2', ['repoMatches', '**'], ['matches', 'release-*']), rule('3', ['repoMatches', '**'], ['matches', 'release-1'])];
    assert.equal(immutableRuleFor(rules, 'app', 'release-1')?.id, '2');
    assert.equal(immutableRuleFor(rules, 'db', 'anything')?.id, '1');
    assert.equal(immutableRuleFor(rules, 'app', 'latest'), undefined);
    assert.equal(immutableRuleFor([], 'app', 'latest'), undefined);
  });

  it('skips disabled rules and still applies the others', () => {
    const rules = [rule('1', ['repoMatches', '**'], ['matches', '**'], true), rule('2', ['repoMatches', '**'], ['matches', 'v1'])];
    assert.equal(immutableRuleFor(rules, 'app', 'v1')?.id, '2');
    assert.equal(immutableRuleFor(rules, 'app', 'v2'), undefined);
  });
});
