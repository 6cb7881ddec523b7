import { BerthError } from '../errors.ts';

/** errno codes of a full filesystem or an exhausted quota, and PostgreSQL's disk_full SQLSTATE. */
const FULL = new Set(['ENOSPC', 'EDQUOT', '53100']);

/**
 * A write that failed because the disk is full, wherever it happened (a
 * storage driver's write, rename or mkdir; PostgreSQL's own disk), as the
 * 507 the client can act on instead of an internal error. Writers discard
 * what they had written on failure, so nothing half-written stays visible.
 */
export function storageFullError(error: unknown): BerthError | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && FULL.has(code)) {
      return new BerthError('INSUFFICIENT_STORAGE', code === '53100' ? 'the database has no space left' : 'storage has no space left; nothing was stored');
    }
  }
  return undefined;
}
