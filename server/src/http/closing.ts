import type { FastifyInstance } from 'fastify';

const SWEEP_INTERVAL_MS = 100;

/**
 * Closing the server closes the connections idle at that moment; one still
 * answering (a layer download) goes idle later and would then be kept open
 * for keepAliveTimeout (72 s), holding the shutdown — and every replica's
 * rolling restart — that long after its answer was complete. So while the
 * server closes, connections are closed as soon as they go idle.
 */
export function closeConnectionsAsTheyFinish(app: FastifyInstance): void {
  app.addHook('preClose', async () => {
    const server = app.server;
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_INTERVAL_MS);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}
