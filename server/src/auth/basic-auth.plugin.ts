import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import type { LocalAuthenticator, Principal } from './admin.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP Basic authentication for every request in the encapsulating context.
 * Until projects and the token service exist, only system administrators may
 * use the registry at all.
 */
export function requireBasicAuth(app: FastifyInstance, authenticator: LocalAuthenticator, realm: string): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const credentials = parseBasic(request.headers.authorization);
    const principal = credentials && (await authenticator.authenticate(credentials.username, credentials.password));
    if (!principal) {
      throw new BerthError('UNAUTHORIZED', 'authentication required', { headers: { 'WWW-Authenticate': `Basic realm="${realm}"` } });
    }
    // Until projects and roles exist nobody but a system administrator holds any
    // registry permission: deny by default rather than let every user do everything.
    if (!principal.sysadmin) throw new BerthError('DENIED', 'requested access to the resource is denied');
    request.principal = principal;
  });
}
