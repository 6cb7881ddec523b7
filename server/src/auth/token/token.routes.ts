import type { FastifyInstance } from 'fastify';
import { BerthError } from '../../errors.ts';
import { isValidRepositoryName } from '../../oci/names.ts';
import { REGISTRY_SERVICE, type RegistryAccess } from '../../access/registry-access.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import type { Authenticator } from '../authenticator.ts';
import { parseBasic } from '../basic-credentials.ts';
import type { Principal } from '../principal.ts';
import type { AccessEntry, RegistryTokens } from './registry-token.ts';

const MAX_SCOPES = 32;

interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** `type:name:actions`; the name may itself contain colons (a registry host with a port), as Harbor parses it. */
export function parseScopes(values: string[]): Scope[] {
  const scopes: Scope[] = [];
  for (const value of values) {
    for (const item of value.split(' ')) {
      if (item === '') continue;
      const parts = item.split(':');
      if (parts.length < 3) throw new BerthError('BAD_REQUEST', `invalid scope ${JSON.stringify(item)}`);
      scopes.push({ type: parts[0]!, name: parts.slice(1, -1).join(':'), actions: parts.at(-1)!.split(',').filter((a) => a !== '') });
    }
  }
  if (scopes.length > MAX_SCOPES) throw new BerthError('BAD_REQUEST', `at most ${MAX_SCOPES} scopes per token`);
  return scopes;
}

/**
 * The Docker token service, GET /service/token, as Harbor serves it: Basic
 * credentials (user, robot, OIDC CLI secret) or none, and the granted subset
 * of each requested scope. Unlike Harbor, a token carries only the actions
 * that were both asked for and held (least privilege), plus the ids of the
 * projects it reaches so it dies with them.
 */
export async function tokenRoutes(app: FastifyInstance, opts: { tokens: RegistryTokens; access: RegistryAccess; authenticator: Authenticator; settings: SettingsService }): Promise<void> {
  const { tokens, access, authenticator, settings } = opts;

  app.get('/service/token', async (request) => {
    const query = request.query as Record<string, string | string[] | undefined>;
    const service = typeof query.service === 'string' ? query.service : undefined;
    if (service !== undefined && service !== REGISTRY_SERVICE) throw new BerthError('BAD_REQUEST', `unable to handle service ${JSON.stringify(service)}; this registry is ${REGISTRY_SERVICE}`);
    const scopes = parseScopes(query.scope === undefined ? [] : Array.isArray(query.scope) ? query.scope : [query.scope]);

    let principal: Principal | undefined;
    if (request.headers.authorization !== undefined) {
      const credentials = parseBasic(request.headers.authorization);
      principal = (credentials && (await authenticator.authenticate(credentials.username, credentials.password))) || undefined;
      if (!principal) throw new BerthError('UNAUTHORIZED', 'invalid credentials', { headers: { 'WWW-Authenticate': 'Basic realm="harbor"' } });
    } else if (request.principal) {
      principal = request.principal;
    }
    // `docker login` asks for a token without scope: that must fail without valid credentials.
    if (!principal && scopes.length === 0) throw new BerthError('UNAUTHORIZED', 'authentication required', { headers: { 'WWW-Authenticate': 'Basic realm="harbor"' } });

    const entries: AccessEntry[] = [];
    const projects: Record<string, string> = {};
    for (const scope of scopes) {
      if (scope.type === 'repository') {
        if (!isValidRepositoryName(scope.name)) {
          entries.push({ type: scope.type, name: scope.name, actions: [] });
          continue;
        }
        const held = await access.actionsFor(principal, scope.name);
        const wanted = scope.actions.includes('*') ? held.actions : held.actions.filter((action) => scope.actions.includes(action));
        entries.push({ type: 'repository', name: scope.name, actions: wanted });
        if (wanted.length > 0 && held.projectName !== undefined) projects[held.projectName] = held.projectId!;
      } else if (scope.type === 'registry' && scope.name === 'catalog') {
        // As Harbor: only system administrators hold the catalog. Others still list it (filtered to what they
        // see), but a token never claims more than its holder has.
        entries.push({ type: 'registry', name: 'catalog', actions: principal?.sysadmin && scope.actions.includes('*') ? ['*'] : [] });
      } else {
        entries.push({ type: scope.type, name: scope.name, actions: [] });
      }
    }
    const ttl = (await settings.general()).token_expiration * 60;
    const { token, claims } = await tokens.issue(principal?.username ?? '', REGISTRY_SERVICE, entries, ttl, projects);
    return { token, access_token: token, expires_in: ttl, issued_at: claims.issuedAt.toISOString() };
  });
}
