import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';

const SWEEP_INTERVAL_MS = 100;

/**
 * Closing the server closes the connections idle at that moment; one still
 * answering (a layer download) goes idle later and would then be kept open
 * for keepAliveTimeout (72 s), holding the shutdown — and every replica's
 * rolling restart — that long after its answer was complete. So while the
 * server closes, connections are closed as soon as they go idle. From the
 * moment the process drains (SIGTERM, `draining`), answers say Connection:
 * close as well, so a client's next request opens a connection the load
 * balancer sends elsewhere, including during http.shutdown_delay, before the
 * server closes.
 */
export function closeConnectionsAsTheyFinish(app: FastifyInstance, draining: () => boolean): void {
  // Both on arrival (answers streamed by hijacked routes, such as downloads, start then) and when the answer is
  // sent (an upload that began before the drain answers during it).
  app.addHook('onRequest', async (_request, reply) => {
    if (draining()) reply.header('connection', 'close');
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining()) reply.header('connection', 'close');
  });
  app.addHook('preClose', async () => {
    const server = app.server;
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_INTERVAL_MS);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  });
}

/**
 * Stops accepting connections and gives the requests in flight (uploads,
 * downloads) `drainTimeoutMs` to finish; connections still busy then are
 * destroyed — their clients see what a lost replica looks like and retry —
 * so a stuck or endless request cannot hold the shutdown. Resolves once the
 * app is closed (its onClose hooks have run).
 */
export async function drainAndClose(app: FastifyInstance, drainTimeoutMs: number, log: Logger): Promise<void> {
  const closed = app.close();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), drainTimeoutMs);
  });
  try {
    if ((await Promise.race([closed.then(() => 'closed' as const), deadline])) === 'deadline') {
      log.warn(`requests still running after http.drain_timeout (${drainTimeoutMs / 1000} s): closing their connections`);
      app.server.closeAllConnections();
    }
  } finally {
    clearTimeout(timer);
  }
  await closed;
}
