import { SYSTEM_ACTIONS, roleGrants } from '../auth/rbac.ts';
import type { RobotAccess } from '../db/schema.ts';

export type PermissionKind = 'system' | 'project';

/**
 * What a robot may be granted in a project: everything a project
 * administrator holds, except the project itself (`self`), which a robot
 * sees because it holds something there and may never change or delete.
 */
function projectGrantable(): Map<string, string[]> {
  const grantable = new Map<string, string[]>();
  for (const grant of roleGrants('projectAdmin')) {
    const [resource, action] = grant.split(':') as [string, string];
    if (resource === 'self') continue;
    grantable.set(resource, [...(grantable.get(resource) ?? []), action]);
  }
  return grantable;
}

const GRANTABLE: Record<PermissionKind, ReadonlyMap<string, readonly string[]>> = {
  project: projectGrantable(),
  system: new Map(Object.entries(SYSTEM_ACTIONS)),
};

/** The actions a robot may be granted on `resource` at `kind` level; undefined for resources it can never hold. */
export function grantableActions(kind: PermissionKind, resource: string): readonly string[] | undefined {
  return GRANTABLE[kind].get(resource);
}

/** Harbor's Permission list for GET /permissions: every grantable resource and action of a level. */
export function grantablePermissions(kind: PermissionKind): { resource: string; action: string }[] {
  return [...GRANTABLE[kind]].flatMap(([resource, actions]) => actions.map((action) => ({ resource, action })));
}

/**
 * A checked access list as stored: Harbor's `*` action expanded to the
 * resource's actions and duplicates dropped, so what a robot holds can be
 * read from its row without knowing the rules that applied when it was made.
 */
export function normalizeAccess(kind: PermissionKind, access: { resource: string; action: string }[]): RobotAccess[] {
  const seen = new Set<string>();
  const result: RobotAccess[] = [];
  for (const entry of access) {
    const actions = entry.action === '*' ? grantableActions(kind, entry.resource)! : [entry.action];
    for (const action of actions) {
      const key = `${entry.resource}:${action}`;
      if (seen.has(key)) continue;
      seen.add(key);
      result.push({ resource: entry.resource, action, effect: 'allow' });
    }
  }
  return result;
}
