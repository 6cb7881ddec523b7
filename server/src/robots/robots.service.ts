import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { RobotAccess } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import type { AccessService, ProjectRef } from '../access/access.service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { generatePassword, hashPassword } from '../auth/password.ts';
import type { Principal } from '../auth/principal.ts';
import { allows, type Action, type Grants, type Resource, type SystemResource } from '../auth/rbac.ts';
import type { Paging, QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { PROJECT_NAME, ref, type ProjectsService } from '../projects/projects.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { checkPasswordPolicy } from '../users/users.service.ts';
import { grantableActions, grantablePermissions, normalizeAccess, type PermissionKind } from './robot-permissions.ts';
import type { RobotPermissionRow, RobotRow, RobotsStore } from './robots.store.ts';

/** A robot's own name, before the prefix (and project) are put in front: Harbor's rule. */
const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const MAX_DURATION_DAYS = 36_500;

/** The q fields that ask for one project's robots, under Berth's and Harbor's portal's spellings. */
export const PROJECT_FILTER_FIELDS: ReadonlySet<string> = new Set(['project_id', 'ProjectID']);

const accessSchema = z.object({
  resource: z.string().min(1).max(64),
  action: z.string().min(1).max(32),
  // Deny entries would need an order of evaluation Harbor's API leaves undefined; robots hold an allow-list.
  effect: z.enum(['allow'], { error: 'only "allow" is supported' }).optional(),
});

const permissionSchema = z
  .object({
    kind: z.enum(['system', 'project']),
    namespace: z.string().min(1).max(255),
    access: z.array(accessSchema).min(1).max(256),
  })
  .superRefine((permission, ctx) => {
    if (permission.kind === 'system' && permission.namespace !== '/') ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'must be "/" for system permissions' });
    if (permission.kind === 'project' && permission.namespace !== '*' && !PROJECT_NAME.test(permission.namespace)) {
      ctx.addIssue({ code: 'custom', path: ['namespace'], message: 'must be a project name, or * for all projects' });
    }
    permission.access.forEach((entry, index) => {
      const actions = grantableActions(permission.kind, entry.resource);
      if (!actions) ctx.addIssue({ code: 'custom', path: ['access', index, 'resource'], message: `robots cannot be granted ${permission.kind} resource ${JSON.stringify(entry.resource)}` });
      else if (entry.action !== '*' && !actions.includes(entry.action)) {
        ctx.addIssue({ code: 'custom', path: ['access', index, 'action'], message: `${entry.resource} can be granted ${actions.join(', ')} or *` });
      }
    });
  });

const permissionsSchema = z
  .array(permissionSchema)
  .min(1)
  .max(100)
  .superRefine((permissions, ctx) => {
    const seen = new Set<string>();
    permissions.forEach((permission, index) => {
      const key = `${permission.kind} ${permission.namespace}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index, 'namespace'], message: `${permission.namespace} is listed twice` });
      seen.add(key);
    });
  });

type PermissionInput = z.infer<typeof permissionSchema>;

/** Days; -1 never expires, 0 takes robot_token_duration. */
const durationSchema = z.number().int().min(-1).max(MAX_DURATION_DAYS).nullable().optional();

/** Why `permissions` cannot belong to a project-level robot, if they cannot. */
function projectLevelProblem(permissions: PermissionInput[]): string | undefined {
  const [only] = permissions;
  if (permissions.length !== 1 || only!.kind !== 'project' || only!.namespace === '*') return 'a project robot has exactly one permission, of kind project, naming its project';
  return undefined;
}

export const robotCreationSchema = z
  .object({
    name: z.string().min(1).max(255).regex(ROBOT_NAME, 'must be lower-case letters and digits, optionally separated by . _ or -'),
    description: z.string().max(1024).default(''),
    secret: z.string().optional(),
    level: z.enum(['system', 'project']),
    disable: z.boolean().default(false),
    duration: durationSchema,
    permissions: permissionsSchema,
  })
  .superRefine((robot, ctx) => {
    const problem = robot.level === 'project' ? projectLevelProblem(robot.permissions) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['permissions'], message: problem });
  });

/** Harbor's Robot as clients send it back; read-only fields (id, expires_at, …) are ignored. */
export const robotUpdateSchema = z.object({
  name: z.string().optional(),
  level: z.enum(['system', 'project']).optional(),
  description: z.string().max(1024).optional(),
  disable: z.boolean().optional(),
  duration: durationSchema,
  permissions: permissionsSchema.optional(),
  secret: z.undefined({ error: 'is changed with PATCH /robots/{robot_id}' }).optional(),
});

export const robotSecretSchema = z.object({ secret: z.string().optional() });

export type RobotView = RobotRow & { permissions: RobotPermissionRow[] };

/** A permission with its project looked up; no project for system permissions and for `*`. */
interface Target {
  kind: PermissionKind;
  namespace: string;
  project: ProjectRef | undefined;
  access: RobotAccess[];
}

/**
 * Robot accounts: who may create, see, change and delete which robots, and
 * what they may be granted. Project robots are managed with the `robot`
 * permissions of their project, system robots by system administrators
 * (or system robots granted `robot` at system level). Anyone but a system
 * administrator may grant only what they hold themselves, and may change
 * only robots holding no more than they do, so `robot:create` or
 * `robot:update` never lets a robot or a project member gain rights.
 */
export class RobotsService {
  readonly #db: Db;
  readonly #store: RobotsStore;
  readonly #projects: ProjectsService;
  readonly #access: AccessService;
  readonly #authenticator: Authenticator;
  readonly #settings: SettingsService;

  constructor(deps: { db: Db; store: RobotsStore; projects: ProjectsService; access: AccessService; authenticator: Authenticator; settings: SettingsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#projects = deps.projects;
    this.#access = deps.access;
    this.#authenticator = deps.authenticator;
    this.#settings = deps.settings;
  }

  /** The secret is returned here and never again. */
  async create(actor: Principal, input: z.infer<typeof robotCreationSchema>): Promise<{ robot: RobotRow; secret: string }> {
    const targets = await this.#targets(actor, input.permissions);
    const project = input.level === 'project' ? targets[0]!.project! : undefined;
    if (project) await this.#access.require(actor, project, 'robot', 'create');
    else await this.#requireSystem(actor, 'create');
    await this.#requireHeld(actor, targets, 'grant');
    if (input.secret !== undefined) checkPasswordPolicy(input.secret, 'secret');
    const secret = input.secret ?? generatePassword();
    const settings = await this.#settings.general();
    // Project robots carry their project in the name, as in Harbor: names stay unique across projects.
    const name = `${settings.robot_name_prefix}${project ? `${project.name}+` : ''}${input.name}`;
    const secretHash = await hashPassword(secret);
    const robot = await this.#db.transaction().execute(async (trx) => {
      const created = await this.#store.insert(trx, {
        name,
        description: input.description,
        secretHash,
        level: input.level,
        projectId: project?.id ?? null,
        duration: input.duration || settings.robot_token_duration,
        disabled: input.disable,
        creatorType: actor.kind === 'robot' ? 'robot' : 'local',
        creatorRef: actor.kind === 'robot' ? actor.robotId : actor.userId,
      });
      if (!created) throw new BerthError('CONFLICT', `a robot named ${name} already exists`);
      await this.#store.insertPermissions(trx, created.id, targets.map(permissionRow));
      await appendEvent(trx, { type: 'create_robot', projectId: project?.id ?? null, resourceType: 'robot', resource: name, operator: actor.username });
      return (await this.#store.findById(trx, created.id))!;
    });
    return { robot, secret };
  }

  /** The robot named `name` as it is now, for a registry token issued to it earlier; undefined once deleted, disabled or expired. */
  async principalNamed(name: string): Promise<Principal | undefined> {
    const robot = await this.#store.findLogin(this.#db, name);
    if (!robot || robot.disabled || (robot.expiresAt !== null && robot.expiresAt <= new Date())) return undefined;
    return { kind: 'robot', robotId: robot.id, username: robot.name, sysadmin: false, level: robot.level, projectId: robot.projectId, expiresAt: robot.expiresAt };
  }

  async get(actor: Principal, id: string): Promise<RobotView> {
    const robot = await this.#find(id);
    await this.#authorize(actor, robot, 'read');
    return { ...robot, permissions: (await this.#store.permissionsOf(this.#db, [id])).get(id)! };
  }

  /** One project's robots when `filters` name a project id (q=ProjectID=3, as Harbor's portal asks), else every robot, for system-level callers. */
  async list(actor: Principal, filters: QueryTerm[], sort: SortTerm[], paging: Paging): Promise<{ rows: RobotView[]; total: number }> {
    const projectTerm = filters.find((term) => PROJECT_FILTER_FIELDS.has(term.field) && term.kind === 'exact');
    let projectId: string | undefined;
    if (projectTerm?.kind === 'exact') {
      const project = ref(await this.#projects.resolve(actor, String(projectTerm.value), false));
      await this.#access.require(actor, project, 'robot', 'list');
      projectId = project.id;
    } else {
      await this.#requireSystem(actor, 'list');
    }
    const { rows, total } = await this.#store.list(this.#db, projectId, filters, sort, paging.pageSize, paging.offset);
    const permissions = await this.#store.permissionsOf(this.#db, rows.map((row) => row.id));
    return { rows: rows.map((row) => ({ ...row, permissions: permissions.get(row.id)! })), total };
  }

  /** Changes description, disable, duration (counted from creation) and permissions; name and level are fixed. */
  async update(actor: Principal, id: string, input: z.infer<typeof robotUpdateSchema>): Promise<void> {
    const robot = await this.#find(id);
    const project = await this.#authorize(actor, robot, 'update');
    if (input.name !== undefined && input.name !== robot.name) throw new BerthError('BAD_REQUEST', `name: a robot cannot be renamed; send ${robot.name} or leave name out`);
    if (input.level !== undefined && input.level !== robot.level) throw new BerthError('BAD_REQUEST', `level: a robot's level cannot change`);
    await this.#requireHeld(actor, await this.#currentTargets(actor, robot), 'change a robot holding');
    let targets: Target[] | undefined;
    if (input.permissions) {
      if (project) {
        const problem = projectLevelProblem(input.permissions);
        if (problem) throw new BerthError('BAD_REQUEST', `permissions: ${problem}`);
        if (input.permissions[0]!.namespace !== project.name) throw new BerthError('BAD_REQUEST', `permissions.0.namespace: this robot belongs to project ${project.name}`);
      }
      targets = await this.#targets(actor, input.permissions);
      await this.#requireHeld(actor, targets, 'grant');
    }
    const duration = input.duration === undefined || input.duration === null ? undefined : input.duration || (await this.#settings.general()).robot_token_duration;
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.lockById(trx, id))) throw robotNotFound(id);
      await this.#store.update(trx, id, { description: input.description, disabled: input.disable, duration });
      if (targets) {
        await this.#store.deletePermissions(trx, id);
        await this.#store.insertPermissions(trx, id, targets.map(permissionRow));
      }
      await appendEvent(trx, { type: 'update_robot', projectId: robot.projectId, resourceType: 'robot', resource: robot.name, operator: actor.username });
    });
    // Disabling or shortening takes effect at once here; other processes hear of it through the event's announcement.
    this.#authenticator.forget(robot.name);
  }

  /** Sets the given secret, or a random one; returns it (the only time it is shown). The old secret stops working. */
  async refreshSecret(actor: Principal, id: string, input: z.infer<typeof robotSecretSchema>): Promise<string> {
    const robot = await this.#find(id);
    await this.#authorize(actor, robot, 'update');
    // Whoever learns a robot's secret can act as it: only those holding everything it holds may set one.
    await this.#requireHeld(actor, await this.#currentTargets(actor, robot), 'change a robot holding');
    if (input.secret !== undefined) checkPasswordPolicy(input.secret, 'secret');
    const secret = input.secret ?? generatePassword();
    const secretHash = await hashPassword(secret);
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.lockById(trx, id))) throw robotNotFound(id);
      await this.#store.updateSecretHash(trx, id, secretHash);
      await appendEvent(trx, { type: 'update_robot', projectId: robot.projectId, resourceType: 'robot', resource: robot.name, operator: actor.username, description: 'secret refreshed' });
    });
    this.#authenticator.forget(robot.name);
    return secret;
  }

  async delete(actor: Principal, id: string): Promise<void> {
    const robot = await this.#find(id);
    await this.#authorize(actor, robot, 'delete');
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.lockById(trx, id))) throw robotNotFound(id);
      await this.#store.delete(trx, id);
      await appendEvent(trx, { type: 'delete_robot', projectId: robot.projectId, resourceType: 'robot', resource: robot.name, operator: actor.username });
    });
    this.#authenticator.forget(robot.name);
  }

  /**
   * What robots can be granted, for building creation forms. Project-level
   * permissions are the same for every project and describe no data, so any
   * signed-in caller gets them; the system-level list goes to those who may
   * create system robots.
   */
  async grantable(actor: Principal): Promise<{ system: { resource: string; action: string }[]; project: { resource: string; action: string }[] }> {
    const system = actor.sysadmin || allows(await this.#access.systemGrants(actor), 'robot', 'create');
    return { system: system ? grantablePermissions('system') : [], project: grantablePermissions('project') };
  }

  async #find(id: string): Promise<RobotRow> {
    const robot = await this.#store.findById(this.#db, id);
    if (!robot) throw robotNotFound(id);
    return robot;
  }

  /**
   * Requires `robot:action` where the robot lives; returns its project for
   * project robots. A robot of a project the caller cannot see is "not found",
   * so robot ids do not reveal private projects.
   */
  async #authorize(actor: Principal, robot: RobotRow, action: Action): Promise<ProjectRef | undefined> {
    if (robot.level === 'system') {
      await this.#requireSystem(actor, action);
      return undefined;
    }
    const project = await this.#visibleProject(actor, robot.projectId!);
    if (!project) throw robotNotFound(robot.id);
    await this.#access.require(actor, project, 'robot', action);
    return project;
  }

  async #requireSystem(actor: Principal, action: Action): Promise<void> {
    if (actor.sysadmin) return;
    if (allows(await this.#access.systemGrants(actor), 'robot', action)) return;
    throw new BerthError('FORBIDDEN', `not allowed to ${action} system-level robots; project robots are listed with q=ProjectID=<project id>`);
  }

  async #visibleProject(actor: Principal, projectId: string): Promise<ProjectRef | undefined> {
    try {
      return ref(await this.#projects.resolve(actor, projectId, false));
    } catch (error) {
      if (error instanceof BerthError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Looks up each permission's project; naming a project the caller cannot see is a 404, as anywhere else. */
  async #targets(actor: Principal, permissions: PermissionInput[]): Promise<Target[]> {
    const targets: Target[] = [];
    for (const permission of permissions) {
      const named = permission.kind === 'project' && permission.namespace !== '*';
      const project = named ? ref(await this.#projects.resolve(actor, permission.namespace, true)) : undefined;
      targets.push({ kind: permission.kind, namespace: permission.namespace, project, access: normalizeAccess(permission.kind, permission.access) });
    }
    return targets;
  }

  async #currentTargets(actor: Principal, robot: RobotRow): Promise<Target[]> {
    if (actor.sysadmin) return [];
    const rows = (await this.#store.permissionsOf(this.#db, [robot.id])).get(robot.id)!;
    const targets: Target[] = [];
    for (const row of rows) {
      const project = row.projectId === null ? undefined : await this.#visibleProject(actor, row.projectId);
      // A project the caller cannot see is one where they hold nothing.
      if (row.projectId !== null && !project) throw new BerthError('FORBIDDEN', `not allowed to change a robot with access to projects you cannot see`);
      targets.push({ kind: row.kind, namespace: row.namespace, project, access: row.access });
    }
    return targets;
  }

  /** Requires the caller to hold every access entry of `targets` (system administrators hold everything). */
  async #requireHeld(actor: Principal, targets: Target[], verb: 'grant' | 'change a robot holding'): Promise<void> {
    if (actor.sysadmin) return;
    for (const target of targets) {
      let held: Grants;
      if (target.kind === 'system') held = await this.#access.systemGrants(actor);
      else if (target.project) held = await this.#access.grants(actor, target.project);
      else throw new BerthError('FORBIDDEN', `only system administrators may ${verb} access to all projects (*)`);
      const missing = target.access.find((entry) => !allows(held, entry.resource as Resource | SystemResource, entry.action as Action));
      if (missing) throw new BerthError('FORBIDDEN', `not allowed to ${verb} ${missing.resource}:${missing.action} in ${target.namespace}, which you do not hold yourself`);
    }
  }
}

function permissionRow(target: Target): RobotPermissionRow {
  return { kind: target.kind, namespace: target.namespace, projectId: target.project?.id ?? null, access: target.access };
}

function robotNotFound(id: string): BerthError {
  return new BerthError('NOT_FOUND', `robot ${id} not found`);
}
