import type { FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import type { AccessService } from './access.service.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { parseBasic } from '../auth/basic-credentials.ts';
import type { Principal } from '../auth/principal.ts';
import { allows } from '../auth/rbac.ts';
import { InvalidTokenError, type RegistryTokenClaims, type RegistryTokens } from '../auth/token/registry-token.ts';
import { projectNameOf } from '../oci/names.ts';
import type { ProjectsService } from '../projects/projects.service.ts';
import { visibilityOf, type Visibility } from '../projects/projects.store.ts';
import type { RobotsService } from '../robots/robots.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { externalBaseUrl } from '../http/external-url.ts';

/** The `service` of Harbor's token service; clients and scripts send it, tokens carry it as audience. */
export const REGISTRY_SERVICE = 'harbor-registry';

export type RegistryAction = 'pull' | 'push' | 'delete';

/** Who is calling /v2: nobody, a user or robot by Basic credentials, or the bearer of a registry token. */
export type RegistryCaller = { kind: 'anonymous' } | { kind: 'principal'; principal: Principal } | { kind: 'token'; claims: RegistryTokenClaims };

export function callerName(caller: RegistryCaller): string {
  if (caller.kind === 'principal') return caller.principal.username;
  if (caller.kind === 'token') return caller.claims.subject || 'anonymous';
  return 'anonymous';
}

/** Where clients fetch tokens: external_url, else the request's own scheme and host (a trusted proxy's). */
export function tokenRealm(request: FastifyRequest, externalUrl: string | undefined): string {
  return `${externalBaseUrl(request, externalUrl)}/service/token`;
}

const SCOPE_ACTIONS: Record<RegistryAction, string> = { pull: 'pull', push: 'pull,push', delete: 'delete' };

/**
 * Authorization for /v2 and the token service: which registry actions a
 * caller holds on a repository, from the same grants as the API. A project
 * that does not exist grants nothing, exactly like a private one the caller
 * cannot see, so responses never tell the two apart.
 */
export class RegistryAccess {
  readonly #access: AccessService;
  readonly #projects: ProjectsService;
  readonly #users: UsersService;
  readonly #robots: RobotsService;
  readonly #tokens: RegistryTokens;
  readonly #authenticator: Authenticator;
  readonly #realm: (request: FastifyRequest) => string;

  constructor(deps: {
    access: AccessService;
    projects: ProjectsService;
    users: UsersService;
    robots: RobotsService;
    tokens: RegistryTokens;
    authenticator: Authenticator;
    realm: (request: FastifyRequest) => string;
  }) {
    this.#access = deps.access;
    this.#projects = deps.projects;
    this.#users = deps.users;
    this.#robots = deps.robots;
    this.#tokens = deps.tokens;
    this.#authenticator = deps.authenticator;
    this.#realm = deps.realm;
  }

  /** Authenticates the request's Authorization header; bad credentials or tokens are a 401 with a challenge. */
  async identify(request: FastifyRequest): Promise<RegistryCaller> {
    const header = request.headers.authorization;
    if (header === undefined) return { kind: 'anonymous' };
    if (/^bearer /i.test(header)) {
      try {
        return { kind: 'token', claims: await this.#tokens.verify(header.slice(7).trim(), REGISTRY_SERVICE) };
      } catch (error) {
        if (!(error instanceof InvalidTokenError)) throw error;
        throw this.challenge(request, undefined, { error: 'invalid_token', message: error.message });
      }
    }
    const credentials = parseBasic(header);
    const principal = credentials && (await this.#authenticator.authenticate(credentials.username, credentials.password));
    if (!principal) throw this.challenge(request, undefined, { message: 'invalid credentials' });
    return { kind: 'principal', principal };
  }

  /** The registry actions `principal` (undefined: anonymous) holds on `repository`, and the project's id. */
  async actionsFor(principal: Principal | undefined, repository: string): Promise<{ projectName?: string; projectId?: string; actions: RegistryAction[] }> {
    const projectName = projectNameOf(repository);
    const project = projectName === undefined ? undefined : await this.#projects.refByName(projectName);
    if (!project) return { actions: [] };
    const grants = await this.#access.grants(principal, project);
    const actions = (['pull', 'push', 'delete'] as const).filter((action) => allows(grants, 'repository', action));
    return { projectName: project.name, projectId: project.id, actions };
  }

  async isAllowed(caller: RegistryCaller, repository: string, action: RegistryAction): Promise<boolean> {
    switch (caller.kind) {
      case 'anonymous':
        // As Harbor: requests without credentials always get a challenge, so clients take the token route.
        return false;
      case 'principal':
        // Administrators' pulls need no lookup; their pushes still need the project (checked when the repository is created).
        if (caller.principal.sysadmin) return true;
        return (await this.actionsFor(caller.principal, repository)).actions.includes(action);
      case 'token': {
        const entry = caller.claims.access.find((item) => item.type === 'repository' && item.name === repository);
        if (!entry || !(entry.actions.includes(action) || entry.actions.includes('*'))) return false;
        const projectName = projectNameOf(repository);
        const boundId = projectName === undefined ? undefined : caller.claims.projects[projectName];
        if (boundId === undefined) return false;
        const project = await this.#projects.refByName(projectName!);
        return project?.id === boundId;
      }
    }
  }

  /**
   * Throws the right refusal when `caller` may not perform `action` on
   * `repository`. `mountFrom` is the source of a cross-repository mount: as in
   * distribution and Harbor, the challenge then names pull on it too (one
   * space-separated `scope`), so a token client fetches one token holding
   * both. A token that does not mention the source at all is challenged again
   * for it; a token whose source entry the token service left empty is not —
   * that caller was refused pull, and the mount just becomes an upload.
   */
  async require(request: FastifyRequest, caller: RegistryCaller, repository: string, action: RegistryAction, mountFrom?: string): Promise<void> {
    const scopes = [`repository:${repository}:${SCOPE_ACTIONS[action]}`];
    if (mountFrom !== undefined) scopes.push(`repository:${mountFrom}:pull`);
    if (await this.isAllowed(caller, repository, action)) {
      if (mountFrom === undefined || caller.kind !== 'token' || caller.claims.access.some((item) => item.type === 'repository' && item.name === mountFrom)) return;
      throw this.challenge(request, scopes.join(' '), { error: 'insufficient_scope', message: 'insufficient scope' });
    }
    if (caller.kind === 'principal') throw new BerthError('DENIED', 'requested access to the resource is denied');
    throw this.challenge(request, scopes.join(' '), caller.kind === 'token' ? { error: 'insufficient_scope', message: 'insufficient scope' } : { message: 'authentication required' });
  }

  challenge(request: FastifyRequest, scope: string | undefined, options: { error?: string; message: string }): BerthError {
    let value = `Bearer realm="${this.#realm(request)}",service="${REGISTRY_SERVICE}"`;
    if (scope) value += `,scope="${scope}"`;
    if (options.error) value += `,error="${options.error}"`;
    return new BerthError('UNAUTHORIZED', options.message, { headers: { 'WWW-Authenticate': value } });
  }

  /** Which projects' repositories the caller may list in _catalog. */
  async catalogVisibility(caller: RegistryCaller): Promise<Visibility | undefined> {
    const principal = caller.kind === 'principal' ? caller.principal : caller.kind === 'token' ? await this.#principalNamed(caller.claims.subject) : undefined;
    return principal && visibilityOf(principal);
  }

  /** The user or robot a token was issued to, as they are now (deleted or disabled: nobody). */
  async #principalNamed(name: string): Promise<Principal | undefined> {
    return (await this.#users.principalNamed(name)) ?? (await this.#robots.principalNamed(name));
  }
}
