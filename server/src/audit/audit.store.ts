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

/** The audit log's SQL: the only writer of audit_log (for audit.listener.ts and audit-log.ts), and its listings. */
export class AuditStore {
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
