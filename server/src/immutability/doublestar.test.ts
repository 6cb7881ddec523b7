import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { doublestarMatch, patternProblem } from './doublestar.ts';

/**
 * What github.com/bmatcuk/doublestar v1.3.4 (the library behind Harbor's
 * selectors) answers, read from its Match documentation and source: `*` stays
 * within a path segment, a `**` segment spans any number of segments (none
 * included), `{…}` alternatives, `[…]` classes negated with `^` only, `\`
 * escapes, and everything else literal.
 */
const TABLE: [pattern: string, value: string, matches: boolean][] = [
  ['', 'anything/at/all', true],
  ['**', 'v1', true],
  ['**', 'team/app', true],
  ['*', 'app', true],
  ['*', 'team/app', false],
  ['team/*', 'team/app', true],
  ['team/*', 'team/a/b', false],
  ['team/**', 'team/a/b', true],
  ['team/**', 'team', true],
  ['**/app', 'app', true],
  ['**/app', 'x/y/app', true],
  ['a/**/b', 'a/b', true],
  ['a/**/b', 'a/x/y/b', true],
  ['a/*/c', 'a/b/d/c', false],
  ['v1.*', 'v1.0', true],
  ['v1.*', 'v1x0', false],
  ['v?', 'v1', true],
  ['v?', 'v10', false],
  ['a?c', 'a/c', false],
  ['{v1,v2}*', 'v1.0.3', true],
  ['{v1,v2}*', 'v2', true],
  ['{v1,v2}*', 'v3', false],
  ['{release,hotfix}-*', 'hotfix-9', true],
  ['{a,b/c}', 'b/c', true],
  ['x{1..3}', 'x2', false],
  ['x{1..3}', 'x1..3', true],
  ['x{a}', 'xa', true],
  ['{,v}1', '1', true],
  ['{a,{b,c}}d', 'cd', true],
  ['[0-9]*', '1x', true],
  ['[0-9]*', 'x1', false],
  ['[^0-9]*', 'x1', true],
  ['[^0-9]*', '1x', false],
  ['[!a]', '!', true],
  ['[!a]', 'b', false],
  ['[a\\-c]', '-', true],
  ['latest', 'latest', true],
  ['latest', 'latest2', false],
  ['*-rc*', '1.2-rc3', true],
  ['!v1', 'v1', false],
  ['!v1', '!v1', true],
  ['(a|b)', 'a', false],
  ['+(a)', 'a', false],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['a**', 'abc', true],
  ['a**', 'a/b', false],
  ['*', '.hidden', true],
];

describe('doublestar patterns', () => {
  for (const [pattern, value, matches] of TABLE) {
    it(`${JSON.stringify(pattern)} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(doublestarMatch(pattern, value), matches);
    });
  }

  it('refuses what doublestar refuses as a bad pattern, and nothing else', () => {
    for (const bad of ['v[1', 'v\\', '[]', '[-a]', '[a-]', '{a,b', 'a{b{c}']) assert.ok(patternProblem(bad), bad);
    for (const good of ['**', 'v1.*', '{a,b}', '[a-z]', 'a}b', 'a]b', 'x,y', '']) assert.equal(patternProblem(good), undefined, good);
  });
});
