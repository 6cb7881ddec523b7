import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Principal } from '../auth/principal.ts';
import type { Paging, SortTerm } from '../http/harbor-query.ts';
import { storageLimitSchema } from '../settings/settings.schema.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { QuotaRow, QuotasStore } from './quotas.store.ts';

/** Harbor's QuotaUpdateReq: storage is the only resource there is. */
export const quotaUpdateSchema = z.object({ hard: z.strictObject({ storage: storageLimitSchema }) });

/** Harbor's quota reference type for projects, the only kind there is. */
const PROJECT_REFERENCE = 'project';

/** Harbor's quota API and the quota part of projects: who may see and change limits, and what new projects get. */
export class QuotasService {
  readonly #db: Db;
  readonly #store: QuotasStore;
  readonly #settings: SettingsService;

  constructor(db: Db, store: QuotasStore, settings: SettingsService) {
    this.#db = db;
    this.#store = store;
    this.#settings = settings;
  }

  /**
   * Creates the quota of a new project. As in Harbor, only a system
   * administrator's storage_limit counts (0 or none means the default);
   * everyone else's project gets storage_per_project.
   */
  async createForProject(trx: Transaction<Database>, principal: Principal, projectId: string, storageLimit: number | undefined): Promise<void> {
    const hard = principal.sysadmin && storageLimit !== undefined && storageLimit !== 0 ? storageLimit : (await this.#settings.general(trx)).storage_per_project;
    await this.#store.insert(trx, projectId, hard);
  }

  /** The project's limit and usage, for its summary. */
  async ofProject(projectId: string): Promise<{ hard: number; used: number } | undefined> {
    const row = await this.#store.findByProject(this.#db, projectId);
    return row && { hard: row.hard, used: row.used };
  }

  /** Harbor's filters: reference (only "project" exists) and reference_id (a project id). */
  async list(principal: Principal | undefined, filters: { reference?: string; referenceId?: string }, sort: SortTerm[], paging: Paging): Promise<{ rows: QuotaRow[]; total: number }> {
    requireSysadmin(principal);
    if (filters.reference !== undefined && filters.reference !== PROJECT_REFERENCE) return { rows: [], total: 0 };
    if (filters.referenceId !== undefined && !/^\d{1,18}$/.test(filters.referenceId)) return { rows: [], total: 0 };
    return await this.#store.list(this.#db, filters.referenceId, sort, paging.pageSize, paging.offset);
  }

  async get(principal: Principal | undefined, id: string): Promise<QuotaRow> {
    requireSysadmin(principal);
    const row = await this.#store.findById(this.#db, id);
    if (!row) throw new BerthError('NOT_FOUND', `quota ${id} not found`);
    return row;
  }

  /** Sets the hard limit. Lowering it below the usage is allowed: pushes that add bytes are refused until usage falls. */
  async updateHard(principal: Principal | undefined, id: string, hard: number): Promise<void> {
    const quota = await this.get(principal, id);
    await this.#db.transaction().execute(async (trx) => {
      await this.#store.updateHard(trx, id, hard);
      await appendEvent(trx, { type: 'update_project', projectId: quota.projectId, resourceType: 'quota', resource: quota.projectName, operator: principal!.username, description: `hard.storage=${hard}` });
    });
  }

  /** Quotas whose recorded usage differs from their usage computed from scratch; empty when the ledger is exact. */
  /** Every project's storage limit (-1: none) and usage in bytes (/metrics). */
  async limitsAndUsage(): Promise<{ projectId: string; hard: number; used: number }[]> {
    return await this.#store.limitsAndUsage(this.#db);
  }

  async usageDrift(): Promise<{ projectId: string; used: number; actual: number }[]> {
    return await this.#store.usageDrift(this.#db);
  }
}

function requireSysadmin(principal: Principal | undefined): void {
  if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
  if (!principal.sysadmin) throw new BerthError('FORBIDDEN', 'only system administrators may manage quotas');
}
