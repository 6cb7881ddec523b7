import type { FastifyInstance } from 'fastify';
import { readCookie } from '../http/cookies.ts';
import { CSRF_HEADER, csrfFailure, csrfTokenMatches, needsCsrfToken } from './csrf.ts';
import { SESSION_COOKIE, type SessionService } from './session.service.ts';

/**
 * Resolves the caller from the portal's session cookie when the request has
 * no Authorization header (which always wins, and needs no CSRF token: a
 * page on another site cannot set it). Every answer to a session request
 * carries the session's CSRF token, and a request that changes something
 * must echo it, as with Harbor. An unknown or expired session leaves the
 * request anonymous: it then carries no authority a forged request could abuse.
 */
export function resolveSessionPrincipal(scope: FastifyInstance, sessions: SessionService): void {
  scope.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== undefined) return;
    const id = readCookie(request, SESSION_COOKIE);
    if (id === undefined) return;
    const session = await sessions.resolve(id);
    if (!session) return;
    reply.header(CSRF_HEADER, session.csrfToken);
    if (needsCsrfToken(request.method) && !csrfTokenMatches(request.headers[CSRF_HEADER.toLowerCase()], session.csrfToken)) throw csrfFailure();
    request.principal = session.principal;
  });
}
