import type { z } from 'zod';
import { BerthError } from '../errors.ts';

/** Parses a request body or parameter against a schema; a mismatch is a 400 naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.') || what;
  throw new BerthError('BAD_REQUEST', `${field}: ${issue.message}`);
}

/** Harbor's numeric path ids (user_id, project_id, …). */
export function parseId(value: string | undefined, name: string): string {
  if (value === undefined || !/^[1-9]\d{0,17}$/.test(value)) throw new BerthError('BAD_REQUEST', `${name} must be a positive integer`);
  return value;
}
