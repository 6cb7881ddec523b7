import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errors.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec } from './harbor-query.ts';

const FIELDS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'string', fuzzy: true },
  project_id: { column: 'project_id', type: 'number' },
  public: { column: 'public', type: 'boolean' },
  creation_time: { column: 'created_at', type: 'time' },
};

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof BerthError && error.status === 400 && pattern.test(error.message));
}

describe("Harbor's q filter syntax", () => {
  it('parses exact, fuzzy, range and list terms with typed values', () => {
    const terms = parseQ('name=~app,project_id=[1~10],public=true,creation_time=[2020-04-09 02:36:00~],name={"a b" c}', FIELDS);
    assert.deepEqual(
      terms.map((t) => [t.field, t.kind]),
      [['name', 'fuzzy'], ['project_id', 'range'], ['public', 'exact'], ['creation_time', 'range'], ['name', 'anyOf']],
    );
    assert.deepEqual(terms[1], { field: 'project_id', spec: FIELDS.project_id, kind: 'range', min: 1, max: 10 });
    assert.deepEqual((terms[3] as { min: Date }).min, new Date('2020-04-09T02:36:00Z'));
    assert.deepEqual((terms[4] as { values: string[] }).values, ['a b', 'c']);
    assert.equal(parseQ('name=(x y)', FIELDS)[0]!.kind, 'allOf');
  });

  it('refuses fields that are not allow-listed, so secrets can never be filtered', () => {
    rejects(() => parseQ('password=~a', FIELDS), /password.*not supported/);
    rejects(() => parseQ('secret=x', FIELDS), /not supported/);
    rejects(() => parseQ('__proto__=x', FIELDS), /not supported/);
    rejects(() => parseQ('constructor=x', FIELDS), /not supported/);
  });

  it('refuses malformed terms and wrongly typed values with a clear message', () => {
    rejects(() => parseQ('project_id=1; DROP TABLE project', FIELDS), /integer/);
    rejects(() => parseQ('name', FIELDS), /key=value/);
    rejects(() => parseQ('name={a b', FIELDS), /unbalanced/);
    rejects(() => parseQ('public=yes', FIELDS), /true or false/);
    rejects(() => parseQ('project_id=~1', FIELDS), /fuzzy/);
    rejects(() => parseQ('name=[a~b]', FIELDS), /ranges/);
  });
});

describe('many-valued fields (an artifact\'s labels)', () => {
  const LABELS: Record<string, FieldSpec> = { ...FIELDS, labels: { column: 'SELECT label_id FROM artifact_label', type: 'number', members: true } };

  it('takes one id, any of {…} or all of (…), with values separated by spaces or commas as Harbor documents', () => {
    assert.deepEqual(parseQ('labels=7', LABELS).map((t) => [t.kind, 'value' in t ? t.value : undefined]), [['exact', 7]]);
    const [all] = parseQ('labels=(1, 2)', LABELS);
    assert.deepEqual([all!.kind, (all as { values: number[] }).values], ['allOf', [1, 2]]);
    const [any] = parseQ('labels={3 4}', LABELS);
    assert.deepEqual([any!.kind, (any as { values: number[] }).values], ['anyOf', [3, 4]]);
  });

  it('refuses ranges, fuzzy matches, non-numeric ids and sorting on them', () => {
    rejects(() => parseQ('labels=[1~5]', LABELS), /ranges/);
    rejects(() => parseQ('labels=~1', LABELS), /fuzzy/);
    rejects(() => parseQ('labels=(1 x)', LABELS), /integer/);
    rejects(() => parseSort('labels', LABELS), /not supported; supported: name, project_id, public, creation_time$/);
  });
});

describe('sort and paging', () => {
  it('maps allow-listed sort fields to columns and refuses anything else, SQL included', () => {
    assert.deepEqual(parseSort('name,-creation_time', FIELDS), [
      { field: 'name', column: 'name', descending: false },
      { field: 'creation_time', column: 'created_at', descending: true },
    ]);
    rejects(() => parseSort('name;DROP TABLE x', FIELDS), /not supported/);
    rejects(() => parseSort('(select 1)', FIELDS), /not supported/);
  });

  it('defaults to page 1 of 10, caps page_size at 100, and refuses nonsense', () => {
    assert.deepEqual(parsePaging({}), { page: 1, pageSize: 10, offset: 0 });
    assert.deepEqual(parsePaging({ page: '3', page_size: '20' }), { page: 3, pageSize: 20, offset: 40 });
    rejects(() => parsePaging({ page_size: '101' }), /at most 100/);
    rejects(() => parsePaging({ page: '0' }), /positive/);
    rejects(() => parsePaging({ page: '-1' }), /positive/);
  });

  it('sends X-Total-Count and prev/next links that keep the other parameters', () => {
    const headers = pagingHeaders('/api/v2.0/projects', { q: 'name=~a', page: '2', page_size: '10' }, { page: 2, pageSize: 10, offset: 10 }, 35);
    assert.equal(headers['X-Total-Count'], '35');
    assert.equal(headers.Link, '</api/v2.0/projects?q=name%3D%7Ea&page=1&page_size=10>; rel="prev" , </api/v2.0/projects?q=name%3D%7Ea&page=3&page_size=10>; rel="next"');
    assert.equal(pagingHeaders('/x', {}, { page: 1, pageSize: 10, offset: 0 }, 5).Link, undefined);
  });
});
