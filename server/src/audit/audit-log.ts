import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { SettingsService } from '../settings/settings.service.ts';

/** Harbor's audit-log-ext event types (plus the ones Berth records in addition, noted). */
export const EVENT_TYPES = [
  'create_artifact',
  'delete_artifact',
  'pull_artifact',
  'create_project',
  'delete_project',
  'update_project',
  'delete_repository',
  'login_user',
  'logout_user',
  'create_user',
  'delete_user',
  'update_user',
  'create_robot',
  'delete_robot',
  'update_robot', // Berth: robot changes and secret refreshes
  'update_configuration',
  'create_member',
  'delete_member',
  'update_member',
  'create_user_group', // Berth
  'delete_user_group', // Berth
  'update_user_group', // Berth
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Harbor's disabled_audit_log_event_types: event types separated by commas. */
export function eventTypeList(value: string): string[] {
  return value
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '');
}

export interface AuditEvent {
  eventType: EventType;
  /** The project the event belongs to, for per-project queries; none for system-wide events. */
  projectId?: string | null;
  resourceType: string;
  resource: string;
  username: string;
  description?: string;
  success?: boolean;
}

/**
 * The audit log's rules: which event types an administrator left out, and
 * Harbor's operation of each type. Its rows come from the event outbox
 * (audit.listener.ts) alone.
 */
export class AuditLog {
  readonly #settings: SettingsService;

  constructor(settings: SettingsService) {
    this.#settings = settings;
  }

  /** The event types an administrator turned off (disabled_audit_log_event_types). */
  async disabledTypes(db: Db | Transaction<Database>): Promise<ReadonlySet<string>> {
    return new Set(eventTypeList((await this.#settings.general(db)).disabled_audit_log_event_types));
  }
}

/** Harbor's operation of an event type: its first word (create, delete, pull, …). */
function operationOf(eventType: EventType): string {
  return eventType.slice(0, eventType.indexOf('_'));
}

/** The audit_log row of `event` (at `opTime`, else now). */
export function auditRow(event: AuditEvent, opTime?: Date) {
  return {
    projectId: event.projectId ?? null,
    eventType: event.eventType,
    resourceType: event.resourceType,
    resource: event.resource,
    username: event.username,
    operation: operationOf(event.eventType),
    operationDescription: event.description ?? '',
    operationResult: event.success ?? true,
    ...(opTime && { opTime }),
  };
}
