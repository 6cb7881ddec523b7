import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';

/** Where `npm run build --workspace portal` writes the portal. */
export const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../../portal/dist/', import.meta.url));

/** Paths that belong to the APIs: an unknown one is the API's 404, never the portal's page. */
const API_PREFIXES = ['/v2/', '/api/', '/c/', '/service/'];

/**
 * The portal's page may run only its own scripts; styles are inline because the
 * component library injects them at run time. No frames, no foreign forms.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

function wantsPage(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  if (path === '/v2' || path === '/api' || API_PREFIXES.some((prefix) => path.startsWith(prefix))) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * The web portal at `/`: hashed assets cached for a year, index.html
 * revalidated on every visit (so a new build is picked up at once), and the
 * page itself for any other GET that asks for HTML, so the portal's own
 * routes survive a reload. Registered after the APIs, whose routes win.
 */
export async function portalRoutes(app: FastifyInstance, opts: { dir?: string } = {}): Promise<void> {
  const dir = opts.dir ?? DEFAULT_PORTAL_DIR;
  const page = join(dir, 'index.html');
  if (!existsSync(page)) {
    app.get('/', async () => {
      throw new BerthError('NOT_FOUND', 'the portal was not built: run `npm run build --workspace portal` (npm start does it)');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root: join(dir, 'assets'),
    prefix: '/assets/',
    cacheControl: false,
    // Vite puts a content hash in every file name under assets/: a changed file is a new URL.
    // index.html (sent with sendFile below) is not hashed and is revalidated on every visit.
    setHeaders: (reply, path) => reply.header('cache-control', path === page ? 'no-cache' : 'public, max-age=31536000, immutable'),
  });
  const sendPage = async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url !== '/' && !wantsPage(request)) return reply.callNotFound();
    return reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .sendFile('index.html', dir, { cacheControl: false });
  };
  app.get('/', sendPage);
  app.get('/*', sendPage);
}
