import type { FastifyInstance } from 'fastify';

/** Login forms are small; anything larger is not one. */
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * Parses application/x-www-form-urlencoded bodies (HTML forms, and Harbor's
 * portal login) into a plain object of strings, within the scope it is
 * called on. A field sent twice keeps its last value.
 */
export function acceptFormBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
}
