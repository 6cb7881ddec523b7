import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { FieldSpec, QueryTerm } from '../http/harbor-query.ts';
import { applyFilters, applySort, containsPattern } from './query-filters.ts';

interface Tables {
  item: { id: string; name: string; size: number };
}

// Compiles queries without a database: what reaches PostgreSQL is the SQL text and its bound parameters.
const db = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const name: FieldSpec = { column: 'name', type: 'string', fuzzy: true };
const size: FieldSpec = { column: 'size', type: 'number' };
const labels: FieldSpec = { column: 'SELECT label_id FROM item_label WHERE item_id = item.id', type: 'number', members: true };

function compile(terms: QueryTerm[]) {
  const { sql, parameters } = applyFilters(db.selectFrom('item').select('id'), terms).compile();
  return { where: sql.slice(sql.indexOf(' where ') + 7), parameters };
}

describe('containsPattern', () => {
  it('matches the text anywhere, taking its own wildcards and backslashes literally', () => {
    assert.equal(containsPattern('abc'), '%abc%');
    assert.equal(containsPattern('50%_off\\'), '%50\\%\\_off\\\\%');
  });
});

describe('applyFilters', () => {
  it('binds every value as a parameter, never as SQL text', () => {
    const hostile = "x' OR '1'='1";
    const { where, parameters } = compile([
      { field: 'name', spec: name, kind: 'exact', value: hostile },
      { field: 'name', spec: name, kind: 'fuzzy', value: hostile },
    ]);
    assert.equal(where, `"name" = $1 and "name"::text ILIKE $2`);
    assert.deepEqual(parameters, [hostile, `%${hostile}%`]);
  });

  it('turns a range into bounds on the sides given', () => {
    assert.deepEqual(compile([{ field: 'size', spec: size, kind: 'range', min: 1, max: 9 }]), { where: '"size" >= $1 and "size" <= $2', parameters: [1, 9] });
    assert.deepEqual(compile([{ field: 'size', spec: size, kind: 'range', max: 9 }]), { where: '"size" <= $1', parameters: [9] });
  });

  it('turns {a b} into IN and (a b) into one equality per value', () => {
    assert.deepEqual(compile([{ field: 'size', spec: size, kind: 'anyOf', values: [1, 2] }]), { where: '"size" IN ($1, $2)', parameters: [1, 2] });
    assert.deepEqual(compile([{ field: 'size', spec: size, kind: 'allOf', values: [1, 2] }]), { where: '"size" = $1 and "size" = $2', parameters: [1, 2] });
  });

  it('asks a many-valued field’s subquery whether the row has the value, any of them or each of them', () => {
    const exact = compile([{ field: 'labels', spec: labels, kind: 'exact', value: 7 }]);
    assert.equal(exact.where, `EXISTS (SELECT 1 FROM (${labels.column}) AS m (value) WHERE m.value IN ($1))`);
    assert.deepEqual(exact.parameters, [7]);
    const all = compile([{ field: 'labels', spec: labels, kind: 'allOf', values: [7, 8] }]);
    assert.equal(all.where.match(/EXISTS/g)?.length, 2);
    assert.deepEqual(all.parameters, [7, 8]);
    assert.throws(() => compile([{ field: 'labels', spec: labels, kind: 'fuzzy', value: '7' }]), /fuzzy terms do not apply to labels/);
  });

  it('wraps an allow-listed expression column in parentheses', () => {
    const pub: FieldSpec = { column: "coalesce(metadata->>'public', 'false')", type: 'string', expression: true };
    assert.deepEqual(compile([{ field: 'public', spec: pub, kind: 'exact', value: 'true' }]), { where: `(coalesce(metadata->>'public', 'false')) = $1`, parameters: ['true'] });
  });
});

describe('applySort', () => {
  it('orders by the terms, then by the tie-breaker so pages are stable', () => {
    const { sql } = applySort(db.selectFrom('item').select('id'), [
      { field: 'size', column: 'size', descending: true },
      { field: 'name', column: 'lower(name)', expression: true, descending: false },
    ], 'id').compile();
    assert.equal(sql.slice(sql.indexOf(' order by ') + 10), '"size" desc, (lower(name)) asc, "id" asc');
  });
});
