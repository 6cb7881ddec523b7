import { createServer, type Server } from 'node:http';

/**
 * With TLS configured, the plain-HTTP port only redirects to HTTPS, as
 * Harbor's does. 308 keeps the method and body of registry writes. The target
 * keeps the host the client asked for, so no other host can be reached.
 */
export async function startHttpsRedirect(port: number, host: string, httpsPort: number): Promise<Server> {
  const server = createServer((request, response) => {
    const hostname = (request.headers.host ?? 'localhost').replace(/:\d+$/, '');
    const safeHost = /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(hostname) ? hostname : 'localhost';
    const portPart = httpsPort === 443 ? '' : `:${httpsPort}`;
    response.writeHead(308, { Location: `https://${safeHost}${portPart}${request.url ?? '/'}`, 'Content-Length': '0' });
    response.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
