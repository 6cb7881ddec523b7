import { DatabaseClosedError } from './database.ts';

/** Seconds a client is asked to wait (Retry-After) when the database cannot serve a request. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket errors: the server is down, restarting, or unreachable (or the object store is: a retryable 503 too). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs that say the server or this session went away or is not taking
 * work, not that the statement was wrong: 08xxx connection exceptions,
 * admin/crash shutdown, "starting up", too many connections, a statement or
 * idle-in-transaction timeout, a session killed by an administrator.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300', '57014', '25P03', '58030']);

/** What pg and its pool throw, as messages only, for connections that died or could not be had in time. */
const MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Query read timeout$/,
];

/**
 * Whether `error` (or what caused it) means the database could not serve
 * the request right now — a retryable 503 — rather than a defect (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (current instanceof DatabaseClosedError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || code.startsWith('08'))) return true;
    if (MESSAGES.some((pattern) => pattern.test(current.message))) return true;
    // Several addresses tried (localhost as ::1 and 127.0.0.1), all refused.
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
  }
  return false;
}
