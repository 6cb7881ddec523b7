import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cookieHeader, readCookie } from '../http/cookies.ts';
import { parseInput } from '../http/validate.ts';
import { CSRF_HEADER, refuseCrossSite } from './csrf.ts';
import { SESSION_COOKIE, type NewSession, type SessionService } from './session.service.ts';

/** Harbor's portal posts these two fields (form-encoded); JSON is taken as well. */
const loginSchema = z.object({ principal: z.string().min(1).max(255), password: z.string().min(1).max(1024) });

/** Whether cookies set in answer to `request` must be Secure. */
export type SecureCookies = (request: FastifyRequest) => boolean;

/** Hands a new session to the browser: the cookie, and the CSRF token its unsafe requests must echo. */
export function sendSession(reply: FastifyReply, session: NewSession, secure: boolean): void {
  reply.header('set-cookie', cookieHeader(SESSION_COOKIE, session.id, { path: '/', secure }));
  reply.header(CSRF_HEADER, session.csrfToken);
  reply.header('cache-control', 'no-store');
}

/** Harbor's portal sign-in and sign-out: POST /c/login, GET /c/log_out. */
export async function sessionRoutes(app: FastifyInstance, opts: { sessions: SessionService; secureCookies: SecureCookies }): Promise<void> {
  const { sessions, secureCookies } = opts;

  app.post('/c/login', async (request, reply) => {
    refuseCrossSite(request);
    const { principal, password } = parseInput(loginSchema, request.body);
    const session = await sessions.login(principal, password, readCookie(request, SESSION_COOKIE));
    sendSession(reply, session, secureCookies(request));
    return reply.status(200).send();
  });

  app.get('/c/log_out', async (request, reply) => {
    await sessions.logout(readCookie(request, SESSION_COOKIE));
    reply.header('set-cookie', cookieHeader(SESSION_COOKIE, '', { path: '/', secure: secureCookies(request), maxAge: 0 }));
    return reply.status(200).send();
  });
}
