import { CronExpressionParser } from 'cron-parser';
import { BerthError } from '../errors.ts';

/**
 * Harbor's cron: six fields, seconds first (`0 0 0 * * *` is midnight every
 * day), evaluated in UTC as Harbor's scheduler does. cron-parser reads five
 * fields as minute-first, so a five-field expression is refused here rather
 * than silently meaning something sixty times rarer.
 */
export interface Cron {
  readonly expression: string;
  /** The first tick strictly after `after`. */
  next(after: Date): Date;
}

export function parseCron(expression: string): Cron {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) throw new BerthError('BAD_REQUEST', `invalid cron "${expression}": Harbor's cron has 6 fields (second minute hour day-of-month month day-of-week)`);
  const normalized = fields.join(' ');
  try {
    CronExpressionParser.parse(normalized, { tz: 'UTC', strict: false });
  } catch (error) {
    throw new BerthError('BAD_REQUEST', `invalid cron "${expression}": ${(error as Error).message}`);
  }
  return {
    expression: normalized,
    next: (after) => CronExpressionParser.parse(normalized, { tz: 'UTC', currentDate: after }).next().toDate(),
  };
}

/**
 * The cron that repeats every `ms`, for settings Harbor writes as an interval
 * (harbor.yml's `upload_purging.interval: 24h`). Ticks stay aligned to the
 * clock, so every replica computes the same ones; hence only intervals that
 * divide a minute, an hour or a day (or are whole days) have one.
 */
export function intervalCron(ms: number): string | undefined {
  const s = ms / 1000;
  if (!Number.isInteger(s) || s <= 0) return undefined;
  if (s < 60) return 60 % s === 0 ? `*/${s} * * * * *` : undefined;
  if (s < 3600) return s % 60 === 0 && 60 % (s / 60) === 0 ? `0 */${s / 60} * * * *` : undefined;
  if (s < 86_400) return s % 3600 === 0 && 24 % (s / 3600) === 0 ? `0 0 */${s / 3600} * * *` : undefined;
  if (s % 86_400 !== 0) return undefined;
  return s === 86_400 ? '0 0 0 * * *' : `0 0 0 */${s / 86_400} * *`;
}
