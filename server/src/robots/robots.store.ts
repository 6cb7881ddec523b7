import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database, RobotAccess } from '../db/schema.ts';
import type { QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { applyFilters, applySort } from '../db/query-filters.ts';

type Executor = Db | Transaction<Database>;

export interface RobotRow {
  id: string;
  name: string;
  description: string;
  level: 'system' | 'project';
  projectId: string | null;
  duration: number;
  expiresAt: Date | null;
  disabled: boolean;
  creatorType: string;
  creatorRef: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface RobotPermissionRow {
  kind: 'system' | 'project';
  namespace: string;
  projectId: string | null;
  access: RobotAccess[];
}

/** What a login needs; the only query that reads the secret hash. */
export interface RobotLogin {
  id: string;
  name: string;
  secretHash: string;
  level: 'system' | 'project';
  projectId: string | null;
  disabled: boolean;
  expiresAt: Date | null;
}

const COLUMNS = ['r.id', 'r.name', 'r.description', 'r.level', 'r.projectId', 'r.duration', 'r.expiresAt', 'r.disabled', 'r.creatorType', 'r.creatorRef', 'r.createdAt', 'r.updatedAt'] as const;

/** -1 days never expires; otherwise `days` after `from` (an SQL timestamp). */
function expiry(from: RawBuilder<unknown>, days: number): RawBuilder<Date> | null {
  return days === -1 ? null : sql<Date>`${from} + make_interval(days => ${days})`;
}

/** SQL for robot accounts and their permissions: one method per query. */
export class RobotsStore {
  /** undefined when the name is taken. */
  async insert(
    trx: Transaction<Database>,
    robot: { name: string; description: string; secretHash: string; level: 'system' | 'project'; projectId: string | null; duration: number; disabled: boolean; creatorType: string; creatorRef: string },
  ): Promise<{ id: string } | undefined> {
    return await trx
      .insertInto('robot')
      .values({ ...robot, expiresAt: expiry(sql`now()`, robot.duration) } as never)
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('id')
      .executeTakeFirst();
  }

  async insertPermissions(trx: Transaction<Database>, robotId: string, permissions: RobotPermissionRow[]): Promise<void> {
    if (permissions.length === 0) return;
    await trx
      .insertInto('robotPermission')
      .values(permissions.map((p) => ({ robotId, kind: p.kind, namespace: p.namespace, projectId: p.projectId, access: JSON.stringify(p.access) })))
      .execute();
  }

  async deletePermissions(trx: Transaction<Database>, robotId: string): Promise<void> {
    await trx.deleteFrom('robotPermission').where('robotId', '=', robotId).execute();
  }

  async findById(db: Executor, id: string): Promise<RobotRow | undefined> {
    return await db.selectFrom('robot as r').select(COLUMNS).where('r.id', '=', id).executeTakeFirst();
  }

  /** The robot, locked until the transaction ends, so concurrent changes apply one after the other. */
  async lockById(trx: Transaction<Database>, id: string): Promise<RobotRow | undefined> {
    return await trx.selectFrom('robot as r').select(COLUMNS).where('r.id', '=', id).forUpdate().executeTakeFirst();
  }

  async findLogin(db: Executor, name: string): Promise<RobotLogin | undefined> {
    return await db.selectFrom('robot').select(['id', 'name', 'secretHash', 'level', 'projectId', 'disabled', 'expiresAt']).where('name', '=', name).executeTakeFirst();
  }

  async permissionsOf(db: Executor, robotIds: string[]): Promise<Map<string, RobotPermissionRow[]>> {
    const byRobot = new Map<string, RobotPermissionRow[]>(robotIds.map((id) => [id, []]));
    if (robotIds.length === 0) return byRobot;
    const rows = await db.selectFrom('robotPermission').select(['robotId', 'kind', 'namespace', 'projectId', 'access']).where('robotId', 'in', robotIds).orderBy('id').execute();
    for (const { robotId, ...permission } of rows) byRobot.get(robotId)?.push(permission);
    return byRobot;
  }

  /** Robots matching `filters`; with `projectId`, only that project's robots whatever the filters say. */
  async list(db: Executor, projectId: string | undefined, filters: QueryTerm[], sort: SortTerm[], limit: number, offset: number): Promise<{ rows: RobotRow[]; total: number }> {
    let base = applyFilters(db.selectFrom('robot as r'), filters);
    if (projectId !== undefined) base = base.where('r.level', '=', 'project').where('r.projectId', '=', projectId);
    const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await applySort(base.select(COLUMNS), sort, 'r.id').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** A new duration counts from the robot's creation, as in Harbor. */
  async update(trx: Transaction<Database>, id: string, changes: { description?: string; disabled?: boolean; duration?: number }): Promise<void> {
    await trx
      .updateTable('robot')
      .set({
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.disabled !== undefined && { disabled: changes.disabled }),
        ...(changes.duration !== undefined && { duration: changes.duration, expiresAt: expiry(sql`created_at`, changes.duration) }),
        updatedAt: sql`now()`,
      } as never)
      .where('id', '=', id)
      .execute();
  }

  async updateSecretHash(trx: Transaction<Database>, id: string, secretHash: string): Promise<void> {
    await trx.updateTable('robot').set({ secretHash, updatedAt: sql`now()` } as never).where('id', '=', id).execute();
  }

  async delete(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('robot').where('id', '=', id).execute();
  }
}
