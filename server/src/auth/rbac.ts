/**
 * Harbor's project roles and what each may do, as one table of data (the
 * source of truth Harbor keeps in src/common/rbac/project/rbac_role.go), plus
 * the read-only grants every user, anonymous included, has on a public
 * project. Authorization anywhere in Berth asks `allows(grants, resource,
 * action)`; nothing else decides.
 */

/** Harbor's role ids, which its API uses in `role_id`. */
export const ROLE_IDS = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 } as const;
export type RoleName = keyof typeof ROLE_IDS;

export const ROLE_NAMES: readonly RoleName[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];

export function roleById(id: number): RoleName | undefined {
  return ROLE_NAMES.find((name) => ROLE_IDS[name] === id);
}

export const ACTIONS = { C: 'create', R: 'read', U: 'update', D: 'delete', L: 'list', Pu: 'push', Pl: 'pull', O: 'operate', S: 'stop' } as const;
export type Action = (typeof ACTIONS)[keyof typeof ACTIONS];

export const RESOURCES = [
  'self',
  'member',
  'metadata',
  'log',
  'label',
  'quota',
  'repository',
  'tag-retention',
  'immutable-tag',
  'configuration',
  'robot',
  'notification-policy',
  'scan',
  'sbom',
  'scanner',
  'artifact',
  'artifact-addition',
  'tag',
  'accessory',
  'artifact-label',
  'preheat-policy',
  'export-cve',
] as const;
export type Resource = (typeof RESOURCES)[number];

type Row = [projectAdmin: string, maintainer: string, developer: string, guest: string, limitedGuest: string];

/** Letters as in Harbor's documentation: C R U D L, Pu(sh), Pl(ull), O(perate), S(top). */
const MATRIX: Record<Resource, Row> = {
  self: ['R U D', 'R', 'R', 'R', 'R'],
  member: ['C R U D L', 'R L', 'R L', 'R L', ''],
  metadata: ['C R U D', 'R', '', '', ''],
  log: ['L', '', '', '', ''],
  label: ['C R U D L', 'C R U D L', 'R L', 'R L', ''],
  quota: ['R', 'R', 'R', 'R', 'R'],
  repository: ['C R U D L Pu Pl', 'C R U D L Pu Pl', 'C R U L Pu Pl', 'R L Pl', 'R L Pl'],
  'tag-retention': ['C R U D L O', 'C R U D L O', 'C R U D L O', '', ''],
  'immutable-tag': ['C U D L', 'C U D L', '', '', ''],
  configuration: ['R U', 'R', 'R', 'R', 'R'],
  robot: ['C R U D L', 'R L', 'R L', 'R L', ''],
  'notification-policy': ['C R U D L', 'R L', '', '', ''],
  scan: ['C R S', 'C R S', 'R', 'R', 'R'],
  sbom: ['C R S', 'C R S', 'R', 'R', 'R'],
  scanner: ['R C', 'R', 'R', 'R', 'R'],
  artifact: ['C R D L', 'C R D L', 'C R L', 'R L', 'R L'],
  'artifact-addition': ['R', 'R', 'R', 'R', 'R'],
  tag: ['C D L', 'C D L', 'C L', 'L', 'L'],
  accessory: ['L', 'L', 'L', 'L', 'L'],
  'artifact-label': ['C D', 'C D', 'C D', '', ''],
  'preheat-policy': ['C R U D L', '', '', '', ''],
  'export-cve': ['C R L', 'C R L', 'C R L', '', ''],
};

/** What anyone, anonymous included, may do on a public project. */
const PUBLIC_PROJECT: Partial<Record<Resource, string>> = {
  self: 'R',
  label: 'R L',
  repository: 'L Pl',
  scan: 'R',
  scanner: 'R',
  tag: 'L',
  artifact: 'R L',
  'artifact-addition': 'R',
  accessory: 'L',
};

/** A set of "resource:action" grants. */
export type Grants = ReadonlySet<string>;

function expand(resource: Resource, letters: string): string[] {
  return letters
    .split(' ')
    .filter((letter) => letter.length > 0)
    .map((letter) => {
      const action = ACTIONS[letter as keyof typeof ACTIONS];
      if (!action) throw new Error(`unknown action letter ${letter} for ${resource}`);
      return `${resource}:${action}`;
    });
}

const COLUMN: Record<RoleName, number> = { projectAdmin: 0, maintainer: 1, developer: 2, guest: 3, limitedGuest: 4 };

const ROLE_GRANTS: Record<RoleName, Grants> = {
  projectAdmin: grantsOf('projectAdmin'),
  maintainer: grantsOf('maintainer'),
  developer: grantsOf('developer'),
  guest: grantsOf('guest'),
  limitedGuest: grantsOf('limitedGuest'),
};

function grantsOf(role: RoleName): Grants {
  return new Set(RESOURCES.flatMap((resource) => expand(resource, MATRIX[resource][COLUMN[role]]!)));
}

const PUBLIC_GRANTS: Grants = new Set(Object.entries(PUBLIC_PROJECT).flatMap(([resource, letters]) => expand(resource as Resource, letters)));

export function roleGrants(role: RoleName): Grants {
  return ROLE_GRANTS[role];
}

const ALL_GRANTS: Grants = new Set(RESOURCES.flatMap((resource) => expand(resource, Object.keys(ACTIONS).join(' '))));

/** Every permission on a project: what a system administrator holds everywhere. */
export function allGrants(): Grants {
  return ALL_GRANTS;
}

export function publicProjectGrants(): Grants {
  return PUBLIC_GRANTS;
}

/** The union of several grant sets: a user's own role, their groups' roles, public access. */
export function unionGrants(...sets: Grants[]): Grants {
  const all = new Set<string>();
  for (const set of sets) for (const grant of set) all.add(grant);
  return all;
}

/** Resources outside any project, held by system robots (Harbor's system-level robot permissions). */
export const SYSTEM_RESOURCES = ['project', 'user', 'user-group', 'ldap-user', 'robot', 'audit-log', 'configuration', 'catalog'] as const;
export type SystemResource = (typeof SYSTEM_RESOURCES)[number];

/** The actions each system resource has, i.e. what a system robot can be granted. */
export const SYSTEM_ACTIONS: Record<SystemResource, readonly Action[]> = {
  project: ['create', 'list'],
  user: ['create', 'read', 'update', 'delete', 'list'],
  'user-group': ['create', 'read', 'update', 'delete', 'list'],
  'ldap-user': ['create', 'list'],
  robot: ['create', 'read', 'update', 'delete', 'list'],
  'audit-log': ['list'],
  configuration: ['read', 'update'],
  catalog: ['read'],
};

/** Splits "resource:action" grants back into Harbor's {resource, action} pairs. */
export function permissionsOf(grants: Grants): { resource: string; action: string }[] {
  return [...grants].map((grant) => {
    const colon = grant.lastIndexOf(':');
    return { resource: grant.slice(0, colon), action: grant.slice(colon + 1) };
  });
}

export function allows(grants: Grants, resource: Resource | SystemResource, action: Action): boolean {
  return grants.has(`${resource}:${action}`);
}
