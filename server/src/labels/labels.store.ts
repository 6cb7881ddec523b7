import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { applyFilters, applySort } from '../db/query-filters.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';

type Executor = Db | Transaction<Database>;

export interface LabelRow {
  id: string;
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  /** null for global labels. */
  projectId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Global labels, or the labels of one project. */
export type LabelScope = { scope: 'g' } | { scope: 'p'; projectId: string };

const LABEL_COLUMNS = ['l.id', 'l.name', 'l.description', 'l.color', 'l.scope', 'l.projectId', 'l.createdAt', 'l.updatedAt'] as const;

/** SQL for labels and which artifacts carry them. */
export class LabelsStore {
  async list(db: Executor, scope: LabelScope, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: LabelRow[]; total: number }> {
    let base = applyFilters(db.selectFrom('label as l'), filters).where('l.scope', '=', scope.scope);
    if (scope.scope === 'p') base = base.where('l.projectId', '=', scope.projectId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await applySort(base.select(LABEL_COLUMNS), sort.length > 0 ? sort : [{ field: 'name', column: 'l.name', descending: false }], 'l.id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { rows, total };
  }

  async find(db: Executor, id: string): Promise<LabelRow | undefined> {
    return await db.selectFrom('label as l').select(LABEL_COLUMNS).where('l.id', '=', id).executeTakeFirst();
  }

  /** The new label's id, or undefined when its name is taken in its scope. */
  async insert(db: Executor, values: { name: string; description: string; color: string; scope: 'g' | 'p'; projectId: string | null }): Promise<string | undefined> {
    const row = await db
      .insertInto('label')
      .values(values)
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** Fails with a unique violation (23505) when the new name is taken in the label's scope. */
  async update(db: Executor, id: string, values: { name: string; description: string; color: string }): Promise<boolean> {
    const result = await db
      .updateTable('label')
      .set({ ...values, updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Deletes the label; the foreign key detaches it from every artifact. */
  async delete(db: Executor, id: string): Promise<boolean> {
    const result = await db.deleteFrom('label').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** False when the label was already attached. */
  async attach(db: Executor, artifactId: string, labelId: string): Promise<boolean> {
    const row = await db
      .insertInto('artifactLabel')
      .values({ artifactId, labelId })
      .onConflict((oc) => oc.doNothing())
      .returning('labelId')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** False when the label was not attached. */
  async detach(db: Executor, artifactId: string, labelId: string): Promise<boolean> {
    const result = await db.deleteFrom('artifactLabel').where('artifactId', '=', artifactId).where('labelId', '=', labelId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** The labels on each of the artifacts, in the order they were attached. */
  async attachedTo(db: Executor, artifactIds: string[]): Promise<(LabelRow & { artifactId: string })[]> {
    if (artifactIds.length === 0) return [];
    return await db
      .selectFrom('artifactLabel as al')
      .innerJoin('label as l', 'l.id', 'al.labelId')
      .select([...LABEL_COLUMNS, 'al.artifactId'])
      .where('al.artifactId', 'in', artifactIds)
      .orderBy('al.createdAt')
      .orderBy('l.id')
      .execute();
  }
}
