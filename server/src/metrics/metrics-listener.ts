import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * The metrics listener (metric.port, metric.path), apart from the registry's
 * port as Harbor's: project names in the series stay off the port users
 * reach, and a firewall or a NetworkPolicy can open it to Prometheus alone.
 */
export async function startMetricsListener(metrics: Metrics, options: { host: string; port: number; path: string; log: Logger }): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== options.path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found; metrics are at ${options.path}\n`);
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }).end(request.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.log.error({ err: error }, 'metrics scrape failed');
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics scrape failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
