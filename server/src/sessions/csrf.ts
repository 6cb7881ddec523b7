import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';

/** Harbor's header: the token on every response to a session request, and required back on unsafe ones. */
export const CSRF_HEADER = 'X-Harbor-CSRF-Token';

/** Methods that change nothing; every other method needs the token (deny unless allowed). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsCsrfToken(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

/** Constant-time comparison; hashing first gives equal lengths whatever was sent. */
export function csrfTokenMatches(sent: string | string[] | undefined, expected: string): boolean {
  if (typeof sent !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(expected));
}

export function csrfFailure(): BerthError {
  return new BerthError('FORBIDDEN', 'CSRF token invalid');
}

/**
 * Refuses a form that another site made the browser submit (login CSRF:
 * signing a victim into the attacker's account). Browsers mark such
 * requests with Sec-Fetch-Site, which pages cannot forge; clients that do
 * not send it (scripts, older browsers) are not affected.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new BerthError('FORBIDDEN', 'cross-site form submissions are refused');
}
