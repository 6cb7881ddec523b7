import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
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
  /** Alternatively the project's name, resolved to its id when the event is written. */
  projectName?: string;
  resourceType: string;
  resource: string;
  username: string;
  description?: string;
  success?: boolean;
}

const FLUSH_MS = 1_000;
const MAX_BUFFERED = 10_000;
/** Rows per INSERT of buffered events: 8 parameters each stays far below PostgreSQL's 65 535 per statement. */
const INSERT_CHUNK = 1_000;

/**
 * Writes audit events. Changes are recorded in the caller's transaction, so
 * a change and its record commit together; pulls are buffered and written
 * in batches, so the pull path never waits for a database write. A process
 * killed within a second of a pull may lose that pull's record — never a
 * change's.
 */
export class AuditLog {
  readonly #db: Db;
  readonly #log: Logger;
  #buffer: AuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #settings: SettingsService;

  constructor(db: Db, log: Logger, settings: SettingsService) {
    this.#db = db;
    this.#log = log;
    this.#settings = settings;
  }

  /** Writes the event now, in `db` when given (the caller's transaction), unless its type is disabled. */
  async record(event: AuditEvent, db: Db | Transaction<Database> = this.#db): Promise<void> {
    if ((await this.#disabled(db)).has(event.eventType)) return;
    await db.insertInto('auditLog').values(row(event)).execute();
  }

  /** The event types an administrator turned off (disabled_audit_log_event_types). */
  async #disabled(db?: Db | Transaction<Database>): Promise<ReadonlySet<string>> {
    return new Set(eventTypeList((await this.#settings.general(db)).disabled_audit_log_event_types));
  }

  recordLater(event: AuditEvent): void {
    if (this.#buffer.length >= MAX_BUFFERED) return;
    this.#buffer.push(event);
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#write(batch);
      } catch (error) {
        this.#log.error({ err: error, events: batch.length }, 'could not write audit events');
      }
    });
    await this.#flushing;
  }

  /**
   * Buffered events name their project; its id is looked up once per batch
   * rather than by a subquery per row, which made PostgreSQL plan one
   * subplan per pull (~0.2 ms each: most of what pull recording cost).
   */
  async #write(events: AuditEvent[]): Promise<void> {
    const disabled = await this.#disabled();
    const batch = events.filter((event) => !disabled.has(event.eventType));
    if (batch.length === 0) return;
    const names = [...new Set(batch.flatMap((event) => (event.projectName !== undefined ? [event.projectName] : [])))];
    await this.#db.transaction().execute(async (trx) => {
      const projects = names.length > 0 ? await trx.selectFrom('project').select(['id', 'name']).where('name', 'in', names).execute() : [];
      const ids = new Map(projects.map((project) => [project.name, project.id]));
      for (let i = 0; i < batch.length; i += INSERT_CHUNK) {
        await trx.insertInto('auditLog').values(batch.slice(i, i + INSERT_CHUNK).map((event) => row(event, ids))).execute();
      }
    });
  }
}

function operationOf(eventType: EventType): string {
  return eventType.slice(0, eventType.indexOf('_'));
}

/** The audit_log row of `event`; a project given by name is looked up in `projectIds` when given, else by a subquery. */
function row(event: AuditEvent, projectIds?: ReadonlyMap<string, string>) {
  let projectId: string | RawBuilder<string> | null = event.projectId ?? null;
  if (event.projectName !== undefined) projectId = projectIds ? (projectIds.get(event.projectName) ?? null) : sql<string>`(SELECT id FROM project WHERE name = ${event.projectName})`;
  return {
    projectId,
    eventType: event.eventType,
    resourceType: event.resourceType,
    resource: event.resource,
    username: event.username,
    operation: operationOf(event.eventType),
    operationDescription: event.description ?? '',
    operationResult: event.success ?? true,
  };
}
