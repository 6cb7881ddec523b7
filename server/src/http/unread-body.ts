import type { FastifyInstance } from 'fastify';

/**
 * An answer given before the request body was read to its end (a 401, 404
 * or 413 ahead of an upload, a refused manifest, a stalled body) must not
 * leave the connection stuck: if a handler read part of the body and
 * stopped, Node no longer drains the rest, so the next request on that
 * keep-alive connection is never parsed and hangs. Draining instead would
 * let a client hold the connection by sending forever. So such answers
 * close the connection (Connection: close), which clients expect, and what
 * still arrives is read and discarded until it closes, so the socket is not
 * left paused under the answer. Answers to requests whose body arrived in
 * full keep the connection alive.
 */
export function closeAfterUnreadBodies(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    const raw = request.raw;
    if (raw.complete) return;
    reply.header('Connection', 'close');
    // A stream a handler abandoned mid-way (for await … throw destroys it) discards on its own.
    if (!raw.destroyed) raw.resume();
  });
}
