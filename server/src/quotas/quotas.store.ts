import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { applySort } from '../db/query-filters.ts';
import type { SortTerm } from '../http/harbor-query.ts';

type Executor = Db | Transaction<Database>;

export interface QuotaRow {
  id: string;
  projectId: string;
  projectName: string;
  ownerName: string | null;
  hard: number;
  used: number;
  createdAt: Date;
  updatedAt: Date;
}

function selectQuotas(db: Executor) {
  return db
    .selectFrom('quota as q')
    .innerJoin('project as p', 'p.id', 'q.projectId')
    .leftJoin('userAccount as o', 'o.id', 'p.ownerId')
    .select(['q.id', 'q.projectId', 'p.name as projectName', 'o.username as ownerName', 'q.hard', 'q.used', 'q.createdAt', 'q.updatedAt']);
}

function toRow(row: Omit<QuotaRow, 'hard' | 'used'> & { hard: string; used: string }): QuotaRow {
  return { ...row, hard: Number(row.hard), used: Number(row.used) };
}

/** The project's usage from scratch: every digest its artifacts reference (manifests, configs, layers), counted once. */
function usageOf(projectId: ReturnType<typeof sql.ref> | string) {
  return sql<string>`coalesce((
    SELECT sum(size) FROM (
      SELECT c.digest, max(c.size) AS size FROM (
        SELECT a.digest, a.size FROM artifact a JOIN repository r ON r.id = a.repository_id WHERE r.project_id = ${projectId}
        UNION ALL
        SELECT b.digest, b.size FROM artifact_blob ab
          JOIN artifact a ON a.id = ab.artifact_id
          JOIN repository r ON r.id = a.repository_id
          JOIN blob b ON b.digest = ab.digest
          WHERE r.project_id = ${projectId}
      ) c GROUP BY c.digest
    ) u
  ), 0)`;
}

/** SQL for quota limits and Harbor's quota views; usage is kept by content/quota-usage.store.ts. */
export class QuotasStore {
  async insert(trx: Transaction<Database>, projectId: string, hard: number): Promise<void> {
    await trx.insertInto('quota').values({ projectId, hard, used: 0 }).execute();
  }

  /** Every project's limit and usage (/metrics): one row a project, no joins. */
  async limitsAndUsage(db: Executor): Promise<{ projectId: string; hard: number; used: number }[]> {
    const rows = await db.selectFrom('quota').select(['projectId', 'hard', 'used']).execute();
    return rows.map((row) => ({ projectId: row.projectId, hard: Number(row.hard), used: Number(row.used) }));
  }

  async findById(db: Executor, id: string): Promise<QuotaRow | undefined> {
    const row = await selectQuotas(db).where('q.id', '=', id).executeTakeFirst();
    return row && toRow(row);
  }

  async findByProject(db: Executor, projectId: string): Promise<QuotaRow | undefined> {
    const row = await selectQuotas(db).where('q.projectId', '=', projectId).executeTakeFirst();
    return row && toRow(row);
  }

  async list(db: Executor, projectId: string | undefined, sort: SortTerm[], limit: number, offset: number): Promise<{ rows: QuotaRow[]; total: number }> {
    let base = db.selectFrom('quota as q');
    if (projectId !== undefined) base = base.where('q.projectId', '=', projectId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const ids = await applySort(base.select('q.id'), sort, 'q.id').limit(limit).offset(offset).execute();
    if (ids.length === 0) return { rows: [], total };
    const rows = (await selectQuotas(db).where('q.id', 'in', ids.map((r) => r.id)).execute()).map(toRow);
    const order = new Map(ids.map((r, i) => [r.id, i]));
    return { rows: rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!), total };
  }

  async updateHard(db: Executor, id: string, hard: number): Promise<void> {
    await db.updateTable('quota').set({ hard, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  /** Quotas whose recorded usage differs from the usage computed from scratch. */
  async usageDrift(db: Executor): Promise<{ projectId: string; used: number; actual: number }[]> {
    const { rows } = await sql<{ projectId: string; used: string; actual: string }>`
      SELECT project_id, used, actual FROM (SELECT q.project_id, q.used, ${usageOf(sql.ref('q.project_id'))} AS actual FROM quota q) s
      WHERE used <> actual ORDER BY project_id`.execute(db);
    return rows.map((row) => ({ projectId: row.projectId, used: Number(row.used), actual: Number(row.actual) }));
  }
}
