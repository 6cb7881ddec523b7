import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { ImmutableRule } from './immutable-match.ts';

type Executor = Db | Transaction<Database>;

export interface ImmutableRuleRow extends ImmutableRule {
  projectId: string;
  priority: number;
}

/** A rule's content: what a client writes. */
export type ImmutableRuleValues = Omit<ImmutableRuleRow, 'id' | 'projectId'>;

const COLUMNS = ['id', 'projectId', 'priority', 'disabled', 'repositoryDecoration', 'repositoryPattern', 'tagDecoration', 'tagPattern'] as const;

/** SQL for immutable tag rules. */
export class ImmutabilityStore {
  async list(db: Executor, projectId: string, limit: number, offset: number): Promise<{ rows: ImmutableRuleRow[]; total: number }> {
    const base = db.selectFrom('immutableTagRule').where('projectId', '=', projectId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await base.select(COLUMNS).orderBy('id').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Every rule of the project, in id order: what the matcher walks. */
  async all(db: Executor, projectId: string): Promise<ImmutableRuleRow[]> {
    return await db.selectFrom('immutableTagRule').select(COLUMNS).where('projectId', '=', projectId).orderBy('id').execute();
  }

  async find(db: Executor, projectId: string, id: string): Promise<ImmutableRuleRow | undefined> {
    return await db.selectFrom('immutableTagRule').select(COLUMNS).where('projectId', '=', projectId).where('id', '=', id).executeTakeFirst();
  }

  async count(db: Executor, projectId: string): Promise<number> {
    return Number((await db.selectFrom('immutableTagRule').select((eb) => eb.fn.countAll<string>().as('n')).where('projectId', '=', projectId).executeTakeFirstOrThrow()).n);
  }

  /** The new rule's id, or undefined when the project has a rule with the same selectors. */
  async insert(db: Executor, projectId: string, values: ImmutableRuleValues): Promise<string | undefined> {
    const row = await db
      .insertInto('immutableTagRule')
      .values({ projectId, ...values })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** Fails with a unique violation (23505) when another rule of the project has the new selectors. */
  async update(db: Executor, projectId: string, id: string, values: ImmutableRuleValues): Promise<boolean> {
    const result = await db
      .updateTable('immutableTagRule')
      .set({ ...values, updatedAt: sql`now()` } as never)
      .where('projectId', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(db: Executor, projectId: string, id: string): Promise<boolean> {
    const result = await db.deleteFrom('immutableTagRule').where('projectId', '=', projectId).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
