import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { allGrants, allows, publicProjectGrants, roleById, roleGrants, unionGrants, type Action, type Grants, type Resource, type SystemResource } from '../auth/rbac.ts';

/** What authorization needs to know of a project. */
export interface ProjectRef {
  id: string;
  name: string;
  public: boolean;
}

const NO_GRANTS: Grants = new Set();
const SEE_PROJECT: Grants = new Set(['self:read']);

/**
 * Decides what a caller may do in a project: the one place that turns
 * memberships (own and through groups), robot permissions, public access and
 * the sysadmin flag into grants from rbac.ts. Deny unless a grant says yes.
 */
export class AccessService {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  async grants(principal: Principal | undefined, project: ProjectRef): Promise<Grants> {
    const publicGrants = project.public ? publicProjectGrants() : NO_GRANTS;
    if (!principal) return publicGrants;
    if (principal.sysadmin) return allGrants();
    if (principal.kind === 'robot') return unionGrants(publicGrants, await this.#robotGrants(principal.robotId, project.id));
    const roles = await this.roles(principal, project.id);
    return unionGrants(publicGrants, ...roles.map((role) => roleGrants(role)));
  }

  /** Harbor's role ids the user holds in the project, directly or through groups, best first. */
  async roleIds(principal: Principal, projectId: string): Promise<number[]> {
    if (principal.kind !== 'user') return [];
    const rows = await this.#db
      .selectFrom('projectMember')
      .select('role')
      .where('projectId', '=', projectId)
      .where((eb) => {
        const own = eb('userId', '=', principal.userId);
        return principal.groupIds.length > 0 ? eb.or([own, eb('groupId', 'in', [...principal.groupIds])]) : own;
      })
      .execute();
    return [...new Set(rows.map((row) => row.role))].sort((a, b) => roleRank(a) - roleRank(b));
  }

  async roles(principal: Principal, projectId: string) {
    return (await this.roleIds(principal, projectId)).map((id) => roleById(id)).filter((role) => role !== undefined);
  }

  async #robotGrants(robotId: string, projectId: string): Promise<Grants> {
    const rows = await this.#db
      .selectFrom('robotPermission')
      .select('access')
      .where('robotId', '=', robotId)
      .where('kind', '=', 'project')
      .where((eb) => eb.or([eb('projectId', '=', projectId), eb('namespace', '=', '*')]))
      .execute();
    // Holding anything in a project lets a robot see the project, as project listings already show it.
    return rows.length > 0 ? unionGrants(grantsOfAccess(rows), SEE_PROJECT) : NO_GRANTS;
  }

  /**
   * System-scope permissions ("project:create", "user:list", …), which only
   * system robots hold explicitly; a system administrator holds them all and
   * is checked through `sysadmin` by callers.
   */
  async systemGrants(principal: Principal): Promise<Grants> {
    if (principal.kind !== 'robot') return NO_GRANTS;
    const rows = await this.#db.selectFrom('robotPermission').select('access').where('robotId', '=', principal.robotId).where('kind', '=', 'system').execute();
    return grantsOfAccess(rows);
  }

  /**
   * Requires a system-level permission: system administrators hold them all;
   * a system robot holds those it was granted; users hold none.
   */
  async requireSystem(principal: Principal | undefined, resource: SystemResource, action: Action): Promise<void> {
    if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
    if (principal.sysadmin) return;
    if (principal.kind === 'robot' && allows(await this.systemGrants(principal), resource, action)) return;
    throw new BerthError('FORBIDDEN', `not allowed to ${action} ${resource}`);
  }

  /**
   * Requires `resource:action` in the project. A caller who may not even see
   * the project gets the same 404 as for a project that does not exist, so
   * private projects cannot be discovered; one who sees it but lacks the
   * permission gets 401 (anonymous) or 403.
   */
  async require(principal: Principal | undefined, project: ProjectRef, resource: Resource, action: Action): Promise<Grants> {
    const grants = await this.grants(principal, project);
    if (!allows(grants, 'self', 'read')) throw projectNotFound(project.name);
    if (!allows(grants, resource, action)) {
      if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
      throw new BerthError('FORBIDDEN', `not allowed to ${action} ${resource} in project ${project.name}`);
    }
    return grants;
  }
}

function grantsOfAccess(rows: { access: { resource: string; action: string; effect?: string }[] }[]): Grants {
  const grants = new Set<string>();
  for (const row of rows) for (const entry of row.access) if (entry.effect !== 'deny') grants.add(`${entry.resource}:${entry.action}`);
  return grants;
}

/** Order of precedence when a user holds several roles: projectAdmin, maintainer, developer, guest, limitedGuest. */
function roleRank(id: number): number {
  return [1, 4, 2, 3, 5].indexOf(id);
}

export function projectNotFound(nameOrId: string): BerthError {
  return new BerthError('NOT_FOUND', `project ${nameOrId} not found`);
}

export { allows, NO_GRANTS };
