import type { FastifyError, FastifyInstance } from 'fastify';
import { BerthError } from '../errors.ts';
import { storageFullError } from './storage-full.ts';
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from '../db/unavailable.ts';

/**
 * Writes every error in the {"errors":[{code,message,detail}]} envelope that
 * OCI and Harbor share. Errors Berth did not anticipate are logged with the
 * request id and answered as 500 without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | BerthError | Error, request, reply) => {
    const full = storageFullError(error);
    if (full) request.log.error({ err: error }, 'storage full');
    error = full ?? error;
    if (error instanceof BerthError) {
      reply.status(error.status).headers(error.headers);
      const entry: Record<string, unknown> = { code: error.code, message: error.message };
      if (error.detail !== undefined) entry.detail = error.detail;
      return reply.send({ errors: [entry] });
    }
    // A client that hangs up mid-body is routine for a registry (cancelled pushes); nobody is left to answer.
    if (request.raw.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      request.log.info({ err: error }, 'client disconnected during the request');
      return reply.status(400).send({ errors: [{ code: 'BAD_REQUEST', message: 'client disconnected' }] });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = status === 413 ? 'SIZE_INVALID' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
      return reply.status(status).send({ errors: [{ code, message: error.message }] });
    }
    // Wherever a lost or saturated database surfaces, the client gets a retryable 503, never a 500.
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'service unavailable');
      const code = request.url.startsWith('/v2/') ? 'UNAVAILABLE' : 'SERVICE_UNAVAILABLE';
      reply.status(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      // A refused or reset socket may also be the object store's: the message names no culprit, the log does.
      return reply.send({ errors: [{ code, message: 'temporarily unavailable: the database or another service Berth depends on did not answer; retry later' }] });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ errors: [{ code: 'INTERNAL_SERVER_ERROR', message: `internal error; request id ${request.id}` }] });
  });
  app.setNotFoundHandler((request, reply) => {
    const code = request.url.startsWith('/v2/') ? 'NAME_UNKNOWN' : 'NOT_FOUND';
    reply.status(404).send({ errors: [{ code, message: `no route for ${request.method} ${request.url.split('?')[0]}` }] });
  });
}
