import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
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

/** SQL for reading the audit log (writing is audit-log.ts). */
export class AuditStore {
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
