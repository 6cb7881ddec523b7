import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { parseBasic } from '../auth/basic-credentials.ts';
import { BerthError, type ErrorCode } from '../errors.ts';
import { isStorableText, unstorableTextIn } from '../db/storable-text.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered (method and URL pattern), so tests can walk them all. */
    readonly berthRoutes: readonly { method: string; url: string }[];
  }
}

function isRegistryPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

/**
 * The refusal of an input in the envelope of the API it came to: on /v2 a
 * path is a repository name or reference (NAME_INVALID, as distribution
 * answers for names it cannot parse); anything else is Harbor's BAD_REQUEST.
 */
function refusal(url: string, what: string, inPath: boolean): BerthError {
  const code: ErrorCode = inPath && isRegistryPath(url) ? 'NAME_INVALID' : 'BAD_REQUEST';
  return new BerthError(code, `${what} contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)`);
}

function checkRequestLine(request: FastifyRequest): void {
  const url = request.url;
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new BerthError(isRegistryPath(url) ? 'NAME_INVALID' : 'BAD_REQUEST', 'malformed percent-encoding in the path');
  }
  if (!isStorableText(decoded)) throw refusal(url, 'the path', true);
  const found = unstorableTextIn(request.query);
  if (found !== undefined) throw refusal(url, `query parameter ${found.replace(/\[\d+\]$/, '')}`, false);
  // The only header value that reaches SQL as text: a Basic username (Node's parser already refuses control characters in raw headers, but base64 can carry anything).
  const basic = parseBasic(request.headers.authorization);
  if (basic && !(isStorableText(basic.username) && isStorableText(basic.password))) throw refusal(url, 'the Authorization header', false);
}

/**
 * Checks every input of every route before any handler, hook or query sees
 * it: the decoded path, each query value, Basic credentials, and every
 * string (keys too) of a parsed body. A value PostgreSQL cannot store is a
 * client error (400), never a database error surfacing as a 500. Raw
 * bodies (/v2 uploads and manifests) are not parsed here; manifests are
 * checked where they are parsed (oci/manifest.ts).
 */
export function installInputChecks(app: FastifyInstance): void {
  const routes: { method: string; url: string }[] = [];
  app.decorate('berthRoutes', routes);
  app.addHook('onRoute', (route: RouteOptions) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.addHook('onRequest', async (request) => checkRequestLine(request));
  app.addHook('preValidation', async (request) => {
    const found = unstorableTextIn(request.body);
    if (found !== undefined) throw refusal(request.url, `body field ${found}`, false);
  });
}

/**
 * Fastify answers a URL it cannot route (bad percent-encoding in a path
 * parameter, an overlong parameter, a failing route constraint) itself,
 * outside the error handler and the hooks: this gives those answers the
 * envelope and the request id.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  reply.header(REQUEST_ID_HEADER, request.id);
  if (status >= 500) {
    request.log.error({ err: error }, 'router failure');
    void reply.status(500).send({ errors: [{ code: 'INTERNAL_SERVER_ERROR', message: `internal error; request id ${request.id}` }] });
    return;
  }
  const code: ErrorCode = isRegistryPath(request.url) ? 'NAME_INVALID' : 'BAD_REQUEST';
  request.log.info({ err: error }, 'malformed request URL');
  void reply.status(status).send({ errors: [{ code, message: error.message }] });
}
