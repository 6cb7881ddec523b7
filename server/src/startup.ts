import { createServer } from 'node:net';
import pg from 'pg';

/**
 * A start-up failure the operator fixes outside Berth (a port taken, a
 * database down): printed as its one-line message, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use by another process',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
  ENOTFOUND: 'unknown host',
};

/** The StartupError for a listen that failed for an operator's reason; any other error as it is. */
export function listenError(error: unknown, host: string, port: number, setting: string): unknown {
  const reason = LISTEN_REASONS[(error as NodeJS.ErrnoException).code ?? ''];
  return reason ? new StartupError(`cannot listen on ${host}:${port} (${setting}): ${reason}`, { cause: error }) : error;
}

/**
 * Binds and releases host:port, so a port that is taken stops the start
 * before the embedded PostgreSQL is started and migrations run. The real
 * listen later reports a port taken in between the same way.
 */
export async function checkPortFree(host: string, port: number, setting: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(listenError(error, host, port, setting)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** How long a start waits for an external PostgreSQL to answer before giving up. */
const CONNECT_TIMEOUT_MS = 10_000;

function endpoint(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function connectFailure(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unknown host';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
    default:
      // pg's own timeout has no code; PostgreSQL's refusals (authentication, unknown database) carry a SQLSTATE and say why.
      return /timeout/i.test(error.message) ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` : error.message;
  }
}

/**
 * Connects once to the configured PostgreSQL, so an unreachable or refusing
 * server stops the start promptly with one line naming host:port, instead of
 * a stack trace from the first migration query (or a wait as long as the
 * operating system's TCP timeout).
 */
export async function checkDatabaseReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'berth' });
  // A connection that fails after connect() settled must not be an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    throw new StartupError(`cannot connect to PostgreSQL at ${endpoint(client.host, client.port)} (database.url): ${connectFailure(error as Error)}`, { cause: error });
  }
  await client.end();
}
