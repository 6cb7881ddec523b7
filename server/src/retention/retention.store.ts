import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { RetentionRule, RetentionTrigger } from './retention-policy.ts';

type Executor = Db | Transaction<Database>;

export interface RetentionPolicyRow {
  id: string;
  projectId: string;
  algorithm: 'or';
  rules: RetentionRule[];
  trigger: RetentionTrigger;
}

/** SQL for retention policies. */
export class RetentionStore {
  async find(db: Executor, id: string): Promise<RetentionPolicyRow | undefined> {
    const row = await db.selectFrom('retentionPolicy').select(['id', 'projectId', 'algorithm', 'rules', 'trigger']).where('id', '=', id).executeTakeFirst();
    return row && { ...row, rules: row.rules as RetentionRule[], trigger: row.trigger as RetentionTrigger };
  }

  /** The new policy's id, or undefined when the project has one already. */
  async insert(db: Executor, projectId: string, policy: { rules: RetentionRule[]; trigger: RetentionTrigger }): Promise<string | undefined> {
    const row = await db
      .insertInto('retentionPolicy')
      .values({ projectId, algorithm: 'or', rules: JSON.stringify(policy.rules), trigger: JSON.stringify(policy.trigger) })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  async update(db: Executor, id: string, policy: { rules: RetentionRule[]; trigger: RetentionTrigger }): Promise<boolean> {
    const result = await db
      .updateTable('retentionPolicy')
      .set({ rules: JSON.stringify(policy.rules), trigger: JSON.stringify(policy.trigger), updatedAt: sql`now()` } as never)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async delete(db: Executor, id: string): Promise<boolean> {
    const result = await db.deleteFrom('retentionPolicy').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
