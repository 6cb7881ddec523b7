/**
 * The typed events Berth's changes emit (events/outbox.ts stores them). Their
 * type names are Harbor's audit-log event types, and each carries what Harbor's
 * audit log and webhooks need: the resource type, the operation (the type's
 * first word), the resource's name, the operator and the project.
 */
interface Change<Type extends string, Resource extends string> {
  type: Type;
  resourceType: Resource;
  /** The resource's name as Harbor shows it (project name, `repo:tag`, `repo@digest`, user name, …). */
  resource: string;
  /** Who made the change: a user or robot name. */
  operator: string;
  /** The project the event belongs to; none for system-wide events. */
  projectId?: string | null;
  /** What changed, in words (never a secret). */
  description?: string;
  /** False for refused attempts that are still recorded (failed logins). */
  success?: boolean;
}

export type BerthEvent =
  | Change<'create_project' | 'update_project' | 'delete_project', 'project'>
  | Change<'update_project', 'quota'>
  | Change<'create_member' | 'update_member' | 'delete_member', 'member'>
  | Change<'create_user' | 'update_user' | 'delete_user' | 'login_user' | 'logout_user', 'user'>
  | Change<'create_user_group' | 'update_user_group' | 'delete_user_group', 'user_group'>
  | Change<'create_robot' | 'update_robot' | 'delete_robot', 'robot'>
  | Change<'update_configuration', 'configuration'>
  | Change<'create_artifact' | 'delete_artifact', 'artifact' | 'tag'>
  | Change<'pull_artifact', 'artifact'>
  | Change<'delete_repository', 'repository'>;

export type EventType = BerthEvent['type'];

/** An event as readers receive it: in commit order, with its position and time. */
export type StoredEvent = BerthEvent & {
  id: string;
  occurredAt: Date;
};
