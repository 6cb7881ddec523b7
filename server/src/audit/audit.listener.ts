import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EventConsumer } from '../events/event-reader.ts';
import type { StoredEvent } from '../events/events.ts';
import { auditRow, type AuditLog, type EventType } from './audit-log.ts';
import type { AuditStore } from './audit.store.ts';

/**
 * The audit log as a reader of the event outbox: each event becomes Harbor's
 * audit-log row, stamped with the time of its change, in the transaction that
 * moves the audit cursor — so a row is written once per committed change.
 * disabled_audit_log_event_types is read in that transaction, so a type
 * turned off leaves out the events not yet applied when it is saved (a
 * reader applies committed events within its poll interval).
 */
export class AuditListener implements EventConsumer {
  readonly name = 'audit';
  readonly #audit: AuditLog;
  readonly #store: AuditStore;

  constructor(audit: AuditLog, store: AuditStore) {
    this.#audit = audit;
    this.#store = store;
  }

  async apply(trx: Transaction<Database>, events: readonly StoredEvent[]): Promise<void> {
    const disabled = await this.#audit.disabledTypes(trx);
    const rows = events
      .filter((event) => !disabled.has(event.type))
      .map((event) => {
        const { type, operator, occurredAt, resourceType, resource, projectId, description, success } = event;
        return auditRow({ eventType: type satisfies EventType, username: operator, resourceType, resource, projectId, description, success }, occurredAt);
      });
    if (rows.length > 0) await this.#store.insert(trx, rows);
  }
}
