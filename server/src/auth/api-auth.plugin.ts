import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import type { Authenticator } from './authenticator.ts';
import { parseBasic } from './basic-credentials.ts';
import type { Principal, UserPrincipal } from './principal.ts';

/**
 * Resolves the caller of /api/v2.0 from HTTP Basic credentials. Anonymous
 * requests pass through (some Harbor endpoints are public); routes that need
 * a user call requirePrincipal. Wrong credentials are refused outright rather
 * than treated as anonymous, so a typo never silently downgrades a script.
 */
export function resolveApiPrincipal(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header === undefined) return;
    const credentials = parseBasic(header);
    const principal = credentials && (await authenticator.authenticate(credentials.username, credentials.password));
    if (!principal) throw new BerthError('UNAUTHORIZED', 'invalid credentials');
    request.principal = principal;
  });
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
  return request.principal;
}

/** For operations only people perform (their profile, password, sessions): robots are refused. */
export function requireUser(request: FastifyRequest): UserPrincipal {
  const principal = requirePrincipal(request);
  if (principal.kind !== 'user') throw new BerthError('FORBIDDEN', 'robot accounts cannot use this operation');
  return principal;
}

/** For system administration (configuration, LDAP, user groups): system administrators only; robots never are. */
export function requireSysadmin(request: FastifyRequest): UserPrincipal {
  const principal = requirePrincipal(request);
  if (principal.kind !== 'user' || !principal.sysadmin) throw new BerthError('FORBIDDEN', 'only system administrators may do this');
  return principal;
}
