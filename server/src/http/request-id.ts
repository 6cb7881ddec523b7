import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a client's id may look like: long enough for UUIDs and trace ids, nothing that could forge a log line or header. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@+/=-]{1,128}$/;

/**
 * The request's id, as Harbor does: the client's X-Request-Id when it sent a
 * sane one (so its logs and ours line up), a new UUID otherwise. Every
 * response echoes it, logs carry it, and a 500 names it.
 */
export function requestIdOf(raw: IncomingMessage): string {
  const sent = raw.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
}
