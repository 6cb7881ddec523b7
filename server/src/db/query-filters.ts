import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { FieldValue, QueryTerm, SortTerm } from '../http/harbor-query.ts';

/** An ILIKE pattern matching `text` anywhere, its own %, _ and backslashes taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Turns parsed Harbor `q` terms into WHERE clauses. Columns come from the
 * endpoint's allow-list (never from the request) and every value is a bound
 * parameter.
 */
export function applyFilters<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, terms: QueryTerm[]): SelectQueryBuilder<DB, TB, O> {
  let result = query;
  for (const term of terms) {
    if (term.spec.members) {
      result = result.where(membership(term));
      continue;
    }
    const column = term.spec.expression ? sql.raw(`(${term.spec.column})`) : sql.ref(term.spec.column);
    switch (term.kind) {
      case 'exact':
        result = result.where(sql<boolean>`${column} = ${term.value}`);
        break;
      case 'fuzzy': {
        const pattern = containsPattern(term.value);
        result = result.where(sql<boolean>`${column}::text ILIKE ${pattern}`);
        break;
      }
      case 'range':
        if (term.min !== undefined) result = result.where(sql<boolean>`${column} >= ${term.min}`);
        if (term.max !== undefined) result = result.where(sql<boolean>`${column} <= ${term.max}`);
        break;
      case 'anyOf':
        result = result.where(sql<boolean>`${column} IN (${sql.join(term.values)})`);
        break;
      case 'allOf':
        for (const value of term.values) result = result.where(sql<boolean>`${column} = ${value}`);
        break;
    }
  }
  return result;
}

/** Whether the row has the term's value(s) among those the field's subquery lists for it. */
function membership(term: QueryTerm): RawBuilder<boolean> {
  const has = (values: readonly FieldValue[]) => sql<boolean>`EXISTS (SELECT 1 FROM (${sql.raw(term.spec.column)}) AS m (value) WHERE m.value IN (${sql.join(values)}))`;
  switch (term.kind) {
    case 'exact':
      return has([term.value]);
    case 'anyOf':
      return has(term.values);
    case 'allOf':
      return sql<boolean>`(${sql.join(term.values.map((value) => has([value])), sql` AND `)})`;
    default:
      // parseQ refuses fuzzy and range terms on these fields.
      throw new Error(`${term.kind} terms do not apply to ${term.field}`);
  }
}

/** ORDER BY the allow-listed columns, then by `tiebreak` so pages are stable. */
export function applySort<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, sort: SortTerm[], tiebreak: string): SelectQueryBuilder<DB, TB, O> {
  let result = query;
  for (const term of sort) {
    const column = term.expression ? sql.raw(`(${term.column})`) : sql.ref(term.column);
    result = result.orderBy(column, term.descending ? 'desc' : 'asc');
  }
  return result.orderBy(sql.ref(tiebreak), 'asc');
}
