import { sql, type InsertObject, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { applyFilters, applySort } from '../db/query-filters.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';

export interface AuditRow {
  id: string;
  eventType: string;
  resourceType: string;
  resource: string;
  username: string;
  operation: string;
  operationDescription: string;
  operationResult: boolean;
  opTime: Date;
}

/** Whose events a listing covers: all, one project's, or those of the projects a user administers. */
export type AuditScope = { kind: 'all' } | { kind: 'project'; projectId: string } | { kind: 'administered'; userId: string; groupIds: readonly string[] };

/** Rows per INSERT: 9 parameters each stays far below PostgreSQL's 65 535 per statement. */
const INSERT_CHUNK = 1_000;

/** The audit log's SQL: the only writer of audit_log (new rows for audit.listener.ts, purges for audit-purge.service.ts), and its listings. */
export class AuditStore {
  /** The database's now() less `hours`: a purge's cutoff, whatever the clocks of the processes. */
  async cutoff(db: Db, hours: number): Promise<Date> {
    return (await sql<{ cutoff: Date }>`SELECT now() - make_interval(hours => ${hours}) AS cutoff`.execute(db)).rows[0]!.cutoff;
  }

  /** How many rows of `eventTypes` are older than `before`: what a purge with that cutoff deletes. */
  async countOlder(db: Db, eventTypes: readonly string[], before: Date): Promise<number> {
    if (eventTypes.length === 0) return 0;
    const row = await db
      .selectFrom('auditLog')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('eventType', 'in', [...eventTypes])
      .where('opTime', '<', before)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Deletes up to `limit` rows of `eventTypes` older than `before`, in a
   * statement of its own, and says how many. Rows another purge is deleting
   * are skipped, not waited for; new rows are never touched, so audit
   * writes go on beside it.
   */
  async deleteOlder(db: Db, eventTypes: readonly string[], before: Date, limit: number): Promise<number> {
    if (eventTypes.length === 0) return 0;
    const result = await sql`
      DELETE FROM audit_log WHERE id IN (
        SELECT id FROM audit_log WHERE event_type = ANY(${[...eventTypes]}::text[]) AND op_time < ${before}
        LIMIT ${limit} FOR UPDATE SKIP LOCKED)`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  }

  async insert(db: Db | Transaction<Database>, rows: readonly InsertObject<Database, 'auditLog'>[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await db.insertInto('auditLog').values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }

  async list(db: Db, scope: AuditScope, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: AuditRow[]; total: number }> {
    let base = applyFilters(db.selectFrom('auditLog'), filters);
    if (scope.kind === 'project') base = base.where('projectId', '=', scope.projectId);
    if (scope.kind === 'administered') {
      const groups = scope.groupIds.length > 0 ? sql`OR m.group_id IN (${sql.join([...scope.groupIds])})` : sql``;
      base = base.where(sql<boolean>`project_id IN (SELECT m.project_id FROM project_member m WHERE m.role = 1 AND (m.user_id = ${scope.userId} ${groups}))`);
    }
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    // Newest first unless asked otherwise, as Harbor lists them.
    const ordered = sort.length > 0 ? applySort(base.selectAll(), sort, 'id') : base.selectAll().orderBy('opTime', 'desc').orderBy('id', 'desc');
    const rows = await ordered.limit(limit).offset(offset).execute();
    return { rows, total };
  }
}
