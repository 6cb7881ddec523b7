import { BerthError } from '../errors.ts';

/**
 * Harbor's list parameters: `q` filters, `sort`, and `page`/`page_size`
 * paging. Every field a client may filter or sort by is allow-listed per
 * endpoint with its column and type, so nothing a client sends becomes SQL
 * and secrets (password hashes, robot secrets) are simply never listed.
 *
 *   q=k=v            exact match          q=k=~v          fuzzy (substring)
 *   q=k=[min~max]    range (either end optional)
 *   q=k={a b c}      any of (union)       q=k=(a b c)     all of (intersection)
 * Terms are separated by commas; values may be quoted with " or '.
 */
export type FieldType = 'string' | 'number' | 'boolean' | 'time';

export interface FieldSpec {
  /** The SQL column (snake_case) the field maps to; never taken from the request. */
  column: string;
  type: FieldType;
  /** Fuzzy and range matching make sense only for some fields. */
  fuzzy?: boolean;
  /** `column` is an SQL expression written in Berth's code (e.g. a JSON field), not a plain column. */
  expression?: boolean;
  /**
   * A field with many values per row (the ids of an artifact's labels): `column` is a subquery written in
   * Berth's code listing them, and terms ask whether the row has the value (exact), any of the values
   * ({…}) or all of them ((…)). Such fields have no ranges and no order.
   */
  members?: boolean;
}

export type FieldValue = string | number | boolean | Date;

export type QueryTerm =
  | { field: string; spec: FieldSpec; kind: 'exact'; value: FieldValue }
  | { field: string; spec: FieldSpec; kind: 'fuzzy'; value: string }
  | { field: string; spec: FieldSpec; kind: 'range'; min?: FieldValue; max?: FieldValue }
  | { field: string; spec: FieldSpec; kind: 'anyOf' | 'allOf'; values: FieldValue[] };

export interface SortTerm {
  field: string;
  column: string;
  /** `column` is an SQL expression from Berth's allow-list (see FieldSpec.expression). */
  expression?: boolean;
  descending: boolean;
}

export interface Paging {
  page: number;
  pageSize: number;
  offset: number;
}

export const MAX_PAGE_SIZE = 100;

function badRequest(message: string): BerthError {
  return new BerthError('BAD_REQUEST', message);
}

/** Splits on commas that are not inside brackets, braces, parentheses or quotes. */
function splitTerms(raw: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of raw) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if ('[{('.includes(char)) depth++;
    else if (']})'.includes(char)) depth--;
    else if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quote || depth !== 0) throw badRequest('q has an unbalanced quote or bracket');
  terms.push(current);
  return terms.map((term) => term.trim()).filter((term) => term.length > 0);
}

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === '"' || trimmed[0] === "'") && trimmed.at(-1) === trimmed[0]) return trimmed.slice(1, -1);
  return trimmed;
}

function typed(field: string, spec: FieldSpec, raw: string): FieldValue {
  const value = unquote(raw);
  switch (spec.type) {
    case 'string':
      return value;
    case 'number':
      if (!/^-?\d{1,15}$/.test(value)) throw badRequest(`q: ${field} must be an integer`);
      return Number(value);
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw badRequest(`q: ${field} must be true or false`);
      return value === 'true';
    case 'time': {
      // Harbor's format "2020-04-09 02:36:00" (UTC), or ISO 8601.
      const date = new Date(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
      if (Number.isNaN(date.getTime())) throw badRequest(`q: ${field} must be a time like 2020-04-09 02:36:00`);
      return date;
    }
  }
}

function listValues(inner: string): string[] {
  const values: string[] = [];
  // Harbor separates values with spaces; its API description writes "(id1, id2)", so commas separate too.
  const pattern = /"([^"]*)"|'([^']*)'|([^\s,]+)/g;
  for (const match of inner.matchAll(pattern)) values.push(match[1] ?? match[2] ?? match[3]!);
  return values;
}

export function parseQ(raw: string | undefined, fields: Record<string, FieldSpec>): QueryTerm[] {
  if (raw === undefined || raw.trim() === '') return [];
  if (raw.length > 4096) throw badRequest('q is too long');
  return splitTerms(raw).map((term): QueryTerm => {
    const eq = term.indexOf('=');
    if (eq <= 0) throw badRequest(`q: expected key=value, got ${JSON.stringify(term)}`);
    const field = term.slice(0, eq).trim();
    const spec = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (!spec) throw badRequest(`q: filtering by ${JSON.stringify(field)} is not supported; supported: ${Object.keys(fields).join(', ')}`);
    const value = term.slice(eq + 1).trim();
    if (value.startsWith('~')) {
      if (!spec.fuzzy) throw badRequest(`q: ${field} does not support fuzzy matching`);
      return { field, spec, kind: 'fuzzy', value: unquote(value.slice(1)) };
    }
    if (value.startsWith('[') && value.endsWith(']')) {
      const [min, max, extra] = value.slice(1, -1).split('~');
      if (extra !== undefined || max === undefined) throw badRequest(`q: ${field} range must be [min~max]`);
      if (spec.type === 'string' || spec.type === 'boolean' || spec.members) throw badRequest(`q: ${field} does not support ranges`);
      return {
        field,
        spec,
        kind: 'range',
        ...(min!.trim() !== '' && { min: typed(field, spec, min!) }),
        ...(max.trim() !== '' && { max: typed(field, spec, max) }),
      };
    }
    if ((value.startsWith('{') && value.endsWith('}')) || (value.startsWith('(') && value.endsWith(')'))) {
      const values = listValues(value.slice(1, -1)).map((v) => typed(field, spec, v));
      if (values.length === 0 || values.length > 100) throw badRequest(`q: ${field} list must have 1 to 100 values`);
      return { field, spec, kind: value.startsWith('{') ? 'anyOf' : 'allOf', values };
    }
    return { field, spec, kind: 'exact', value: typed(field, spec, value) };
  });
}

/** `sort=name,-creation_time`: each field must be allow-listed. */
export function parseSort(raw: string | undefined, fields: Record<string, FieldSpec>): SortTerm[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const trimmed = part.trim();
    const descending = trimmed.startsWith('-');
    const field = descending ? trimmed.slice(1) : trimmed;
    const spec = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (!spec || spec.members) {
      const sortable = Object.keys(fields).filter((name) => !fields[name]!.members);
      throw badRequest(`sort: sorting by ${JSON.stringify(field)} is not supported; supported: ${sortable.join(', ')}`);
    }
    return { field, column: spec.column, descending, ...(spec.expression && { expression: true }) };
  });
}

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw badRequest(`${name} must be a positive integer`);
  return Number(raw);
}

export function parsePaging(query: Record<string, string | undefined>): Paging {
  const page = positiveInteger('page', query.page, 1);
  const pageSize = positiveInteger('page_size', query.page_size, 10);
  if (pageSize > MAX_PAGE_SIZE) throw badRequest(`page_size must be at most ${MAX_PAGE_SIZE}`);
  return { page, pageSize, offset: (page - 1) * pageSize };
}

/**
 * X-Total-Count and an RFC 8288 Link header with prev/next, as Harbor sends;
 * links keep the request's other parameters.
 */
export function pagingHeaders(path: string, query: Record<string, string | undefined>, paging: Paging, total: number): Record<string, string> {
  const headers: Record<string, string> = { 'X-Total-Count': String(total) };
  const link = (page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && key !== 'page' && key !== 'page_size') params.set(key, value);
    params.set('page', String(page));
    params.set('page_size', String(paging.pageSize));
    return `<${path}?${params.toString()}>`;
  };
  const links: string[] = [];
  if (paging.page > 1) links.push(`${link(paging.page - 1)}; rel="prev"`);
  if (paging.offset + paging.pageSize < total) links.push(`${link(paging.page + 1)}; rel="next"`);
  if (links.length > 0) headers.Link = links.join(' , ');
  return headers;
}
