import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BerthError } from '../../errors.ts';
import { cookieHeader, readCookie } from '../../http/cookies.ts';
import { parseInput } from '../../http/validate.ts';
import { refuseCrossSite } from '../../sessions/csrf.ts';
import { SESSION_COOKIE } from '../../sessions/session.service.ts';
import { sendSession, type SecureCookies } from '../../sessions/session.routes.ts';
import { requirePrincipal } from '../api-auth.plugin.ts';
import { OidcError } from './oidc-errors.ts';
import { OIDC_LOGIN_MINUTES, type OidcLoginService } from './oidc-login.service.ts';
import { ONBOARD_PAGE_CSP, onboardPage } from './onboard-page.ts';
import { errors, NO_BODY } from '../../http/openapi.ts';

/** Binds a sign-in to the browser that started it: holds its state, for the callback and the onboarding form. */
const STATE_COOKIE = 'berth_oidc';
const STATE_COOKIE_PATH = '/c/oidc';

const onboardSchema = z.object({ username: z.string().max(255) });
const pingSchema = z.object({ url: z.string().max(2048), verify_cert: z.boolean().optional() });

/**
 * Provider failures are told to the browser in general terms; the details
 * (which check failed, which host was unreachable) go to the log, for administrators.
 */
function asHttpError(error: unknown, request: FastifyRequest): unknown {
  if (!(error instanceof OidcError)) return error;
  request.log.warn({ err: error }, 'OIDC sign-in failed');
  return error.status === 401
    ? new BerthError('UNAUTHORIZED', 'the OIDC provider did not confirm this sign-in; please sign in again')
    : new BerthError('SERVICE_UNAVAILABLE', 'the OIDC provider cannot be reached or Berth’s OIDC settings are wrong; please tell an administrator');
}

function wantsHtml(request: FastifyRequest): boolean {
  return !String(request.headers['content-type'] ?? '').startsWith('application/json');
}

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', ONBOARD_PAGE_CSP).header('cache-control', 'no-store').send(html);
}

/** Harbor's /c/oidc/login, /c/oidc/callback and /c/oidc/onboard. */
export async function oidcLoginRoutes(app: FastifyInstance, opts: { oidc: OidcLoginService; secureCookies: SecureCookies; callbackUri: (request: FastifyRequest) => string }): Promise<void> {
  const { oidc, secureCookies, callbackUri } = opts;
  const stateCookie = (request: FastifyRequest, value: string, maxAge: number) => cookieHeader(STATE_COOKIE, value, { path: STATE_COOKIE_PATH, secure: secureCookies(request), maxAge });

  app.get('/c/oidc/login', async (request, reply) => {
    const { redirect_url: redirectUrl } = request.query as { redirect_url?: string };
    try {
      const { url, state } = await oidc.begin(callbackUri(request), typeof redirectUrl === 'string' ? redirectUrl : undefined);
      reply.header('set-cookie', stateCookie(request, state, OIDC_LOGIN_MINUTES * 60));
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    } catch (error) {
      throw asHttpError(error, request);
    }
  });

  app.get('/c/oidc/callback', async (request, reply) => {
    let outcome;
    try {
      outcome = await oidc.complete({ callbackUri: callbackUri(request), callbackUrl: request.url, state: readCookie(request, STATE_COOKIE), previousSessionId: readCookie(request, SESSION_COOKIE) });
    } catch (error) {
      throw asHttpError(error, request);
    }
    if (outcome.kind === 'onboarding') return reply.header('cache-control', 'no-store').redirect('/c/oidc/onboard', 302);
    reply.header('set-cookie', stateCookie(request, '', 0));
    sendSession(reply, outcome.session, secureCookies(request));
    return reply.redirect(outcome.redirectUrl, 302);
  });

  app.get('/c/oidc/onboard', async (request, reply) => {
    const suggestion = await oidc.onboardingSuggestion(readCookie(request, STATE_COOKIE));
    return sendPage(reply, 200, onboardPage(suggestion));
  });

  // Form posts (the page above) get the page back with the reason on a refused name; JSON callers get Harbor's error envelope.
  app.post('/c/oidc/onboard', async (request, reply) => {
    refuseCrossSite(request);
    const state = readCookie(request, STATE_COOKIE);
    const { username } = parseInput(onboardSchema, request.body);
    let signedIn;
    try {
      signedIn = await oidc.onboard(state, username.trim(), readCookie(request, SESSION_COOKIE));
    } catch (error) {
      if (error instanceof BerthError && (error.code === 'BAD_REQUEST' || error.code === 'CONFLICT') && wantsHtml(request)) {
        return sendPage(reply, error.status, onboardPage(username, error.message));
      }
      throw error;
    }
    reply.header('set-cookie', stateCookie(request, '', 0));
    sendSession(reply, signedIn.session, secureCookies(request));
    return reply.redirect(signedIn.redirectUrl, 303);
  });
}

/** POST /api/v2.0/system/oidc/ping. */
export async function oidcApiRoutes(api: FastifyInstance, opts: { oidc: OidcLoginService }): Promise<void> {
  api.post('/system/oidc/ping', { schema: { body: pingSchema, response: { 200: NO_BODY, ...errors(400, 401, 403) } } }, async (request, reply) => {
    const actor = requirePrincipal(request);
    await opts.oidc.ping(actor, parseInput(pingSchema, request.body));
    return reply.status(200).send();
  });
}
