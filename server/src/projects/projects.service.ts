import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { AccessService, projectNotFound, type ProjectRef } from '../access/access.service.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Principal } from '../auth/principal.ts';
import { ROLE_IDS, allows } from '../auth/rbac.ts';
import type { Paging, QueryTerm, SortTerm } from '../http/harbor-query.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { QuotasService } from '../quotas/quotas.service.ts';
import type { RepositoriesService } from '../content/repositories.service.ts';
import { visibilityOf, type ProjectRow, type ProjectWithRepoCount, type ProjectsStore } from './projects.store.ts';

/** Harbor's project name rule. */
export const PROJECT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

const bool = z.enum(['true', 'false']);
/** Harbor's project metadata keys and the values each accepts (all strings, as in Harbor's API). */
const METADATA: Record<string, z.ZodType<string>> = {
  public: bool,
  enable_content_trust: bool,
  enable_content_trust_cosign: bool,
  prevent_vul: bool,
  severity: z.enum(['none', 'low', 'medium', 'high', 'critical']),
  auto_scan: bool,
  auto_sbom_generation: bool,
  reuse_sys_cve_allowlist: bool,
  retention_id: z.string().regex(/^\d{1,18}$/),
  proxy_speed_kb: z.string().regex(/^-?\d{1,12}$/),
  max_upstream_conn: z.string().regex(/^-?\d{1,6}$/),
  proxy_cache_local_on_not_found: bool,
  proxy_referrer_api: bool,
  proxy_cache_filter_pattern: z.string().max(1024),
  proxy_cache_filter_kind: z.enum(['doublestar', 'regex']),
};

/**
 * Image policies Harbor enforces and Berth does not yet. Storing them "on"
 * would let an administrator believe a policy holds when it does not, so only
 * their off value ("false", also Harbor's default) is accepted; Harbor
 * clients and Terraform that send the defaults keep working. `severity` is
 * prevent_vul's threshold and does nothing while prevent_vul is off, so any
 * valid value is kept.
 */
const NOT_ENFORCED_YET: Record<string, string> = {
  enable_content_trust: 'Notary content trust',
  enable_content_trust_cosign: 'cosign signature enforcement',
  prevent_vul: 'blocking pulls of vulnerable images',
  auto_scan: 'vulnerability scanning on push',
  auto_sbom_generation: 'SBOM generation on push',
};

/** Accepts Harbor's habit of sending booleans as either JSON booleans or "true"/"false". */
const metadataValue = z.union([z.string(), z.boolean(), z.number()]).transform((value) => String(value));

export const metadataSchema = z.record(z.string(), metadataValue).superRefine((metadata, ctx) => {
  for (const [key, value] of Object.entries(metadata)) {
    const rule = Object.hasOwn(METADATA, key) ? METADATA[key] : undefined;
    if (!rule) ctx.addIssue({ code: 'custom', path: [key], message: `unknown project metadata; supported: ${Object.keys(METADATA).join(', ')}` });
    else if (!rule.safeParse(value).success) ctx.addIssue({ code: 'custom', path: [key], message: `invalid value ${JSON.stringify(value)}` });
    else if (Object.hasOwn(NOT_ENFORCED_YET, key) && value !== 'false') {
      ctx.addIssue({ code: 'custom', path: [key], message: `not supported yet: Berth does not enforce ${NOT_ENFORCED_YET[key]} yet, so ${key} can only be "false"` });
    }
  }
});

export const projectCreationSchema = z.object({
  project_name: z.string().min(1).max(255).regex(PROJECT_NAME, 'must be lower-case letters and digits, optionally separated by . _ or -'),
  public: z.boolean().optional(),
  metadata: metadataSchema.optional(),
  storage_limit: z.number().int().min(-1).optional(),
  registry_id: z.number().int().nullable().optional(),
  cve_allowlist: z.unknown().optional(),
});

export const projectUpdateSchema = z.object({
  project_name: z.string().optional(),
  public: z.boolean().optional(),
  metadata: metadataSchema.optional(),
  storage_limit: z.number().int().min(-1).optional(),
  registry_id: z.number().int().nullable().optional(),
  cve_allowlist: z.unknown().optional(),
});

export interface ProjectView extends ProjectWithRepoCount {
  roleIds: number[];
}

/** Projects: who may create, see, change and delete them, and their metadata. */
export class ProjectsService {
  readonly #db: Db;
  readonly #store: ProjectsStore;
  readonly #access: AccessService;
  readonly #settings: SettingsService;
  readonly #quotas: QuotasService;
  readonly #repositories: RepositoriesService;

  constructor(db: Db, store: ProjectsStore, access: AccessService, settings: SettingsService, quotas: QuotasService, repositories: RepositoriesService) {
    this.#db = db;
    this.#store = store;
    this.#access = access;
    this.#settings = settings;
    this.#quotas = quotas;
    this.#repositories = repositories;
  }

  /** Every project's name, visibility and member count (/metrics). */
  async metricsOverview(): Promise<{ id: string; name: string; public: boolean; members: number }[]> {
    return await this.#store.metricsOverview(this.#db);
  }

  /**
   * Finds a project by id, or by name when `isName` (Harbor's
   * X-Is-Resource-Name header) or the value is not numeric. Callers that may
   * not see the project get the same 404 as for a missing one.
   */
  async resolve(principal: Principal | undefined, nameOrId: string, isName: boolean): Promise<ProjectRow> {
    const byId = !isName && /^\d{1,18}$/.test(nameOrId);
    const row = byId ? await this.#store.findById(this.#db, nameOrId) : await this.#store.findByName(this.#db, nameOrId);
    if (!row) throw projectNotFound(nameOrId);
    const grants = await this.#access.grants(principal, ref(row));
    if (!allows(grants, 'self', 'read')) throw projectNotFound(nameOrId);
    return row;
  }

  /** What Harbor shows of a project: with the caller's roles and, unless a listing counted them already, its repositories counted. */
  async view(principal: Principal | undefined, row: ProjectRow | ProjectWithRepoCount): Promise<ProjectView> {
    const [roleIds, repoCount] = await Promise.all([
      principal ? this.#access.roleIds(principal, row.id) : [],
      'repoCount' in row ? row.repoCount : this.#store.countRepositoriesWithArtifacts(this.#db, row.id),
    ]);
    return { ...row, roleIds, repoCount };
  }

  /** The registry's per-request lookup (no caller: /v2 authorization asks what the caller holds next): id and visibility only. */
  /** The project by id, for features that keep one (a retention policy); no permission is checked. */
  async byId(id: string): Promise<ProjectRow | undefined> {
    return await this.#store.findById(this.#db, id);
  }

  /** Locks the project's row in the caller's transaction (serialising what depends on it); its metadata, or undefined once it is gone. */
  async lock(trx: Transaction<Database>, id: string): Promise<{ metadata: Record<string, string> } | undefined> {
    return await this.#store.lockForUpdate(trx, id);
  }

  /** Replaces the metadata of a project lock() holds, for keys Berth manages itself (retention_id). */
  async replaceMetadata(trx: Transaction<Database>, id: string, metadata: Record<string, string>): Promise<void> {
    await this.#store.updateMetadata(trx, id, metadata);
  }

  async refByName(name: string): Promise<{ id: string; name: string; public: boolean } | undefined> {
    return await this.#store.findRefByName(this.#db, name);
  }

  async exists(principal: Principal | undefined, name: string): Promise<boolean> {
    if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
    return (await this.#store.findRefByName(this.#db, name)) !== undefined;
  }

  async create(principal: Principal | undefined, input: z.infer<typeof projectCreationSchema>): Promise<string> {
    if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
    await this.#requireCreationRight(principal);
    if (input.registry_id) throw new BerthError('BAD_REQUEST', 'proxy-cache projects are not supported yet');
    const metadata: Record<string, string> = { ...input.metadata };
    if (input.public !== undefined) metadata.public = String(input.public);
    metadata.public ??= 'false';
    const id = await this.#db.transaction().execute(async (trx) => {
      const created = await this.#store.insert(trx, { name: input.project_name, ownerId: principal.kind === 'user' ? principal.userId : null, metadata });
      if (!created) return undefined;
      await this.#quotas.createForProject(trx, principal, created, input.storage_limit);
      // As in Harbor, the creating user administers the project.
      if (principal.kind === 'user') {
        await trx.insertInto('projectMember').values({ projectId: created, entityType: 'u', userId: principal.userId, groupId: null, role: ROLE_IDS.projectAdmin }).execute();
      }
      await appendEvent(trx, { type: 'create_project', projectId: created, resourceType: 'project', resource: input.project_name, operator: principal.username });
      return created;
    });
    if (!id) throw new BerthError('CONFLICT', `the project named ${input.project_name} already exists`);
    return id;
  }

  async #requireCreationRight(principal: Principal): Promise<void> {
    if (principal.sysadmin) return;
    if (principal.kind === 'robot') {
      const system = await this.#access.systemGrants(principal);
      if (allows(system, 'project', 'create')) return;
      throw new BerthError('FORBIDDEN', 'this robot may not create projects');
    }
    const { project_creation_restriction } = await this.#settings.general();
    if (project_creation_restriction === 'adminonly') throw new BerthError('FORBIDDEN', 'only system administrators may create projects');
  }

  async list(principal: Principal | undefined, filters: QueryTerm[], sort: SortTerm[], paging: Paging): Promise<{ rows: ProjectView[]; total: number }> {
    const { rows, total } = await this.#store.list(this.#db, visibilityOf(principal), filters, sort, paging.pageSize, paging.offset);
    return { rows: await Promise.all(rows.map((row) => this.view(principal, row))), total };
  }

  async update(principal: Principal | undefined, project: ProjectRow, input: z.infer<typeof projectUpdateSchema>): Promise<void> {
    if (input.project_name !== undefined && input.project_name !== project.name) throw new BerthError('BAD_REQUEST', 'a project cannot be renamed');
    await this.#access.require(principal, ref(project), 'self', 'update');
    const changes: Record<string, string> = { ...input.metadata };
    if (input.public !== undefined) changes.public = String(input.public);
    await this.#changeMetadata(principal!, project, (metadata) => ({ ...metadata, ...changes }));
  }

  async deletable(principal: Principal | undefined, project: ProjectRow): Promise<{ deletable: boolean; message: string }> {
    await this.#access.require(principal, ref(project), 'self', 'delete');
    const repositories = await this.#store.countRepositoriesWithArtifacts(this.#db, project.id);
    return repositories === 0 ? { deletable: true, message: '' } : { deletable: false, message: `the project contains ${repositoriesText(repositories)}` };
  }

  /** As in Harbor, only an empty project can be deleted; its members and robots go with it. */
  async delete(principal: Principal | undefined, project: ProjectRow): Promise<void> {
    await this.#access.require(principal, ref(project), 'self', 'delete');
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.lockForUpdate(trx, project.id))) throw projectNotFound(project.name);
      const repositories = await this.#store.countRepositoriesWithArtifacts(trx, project.id);
      if (repositories > 0) throw new BerthError('PRECONDITION', `the project contains ${repositoriesText(repositories)}; delete ${repositories === 1 ? 'it' : 'them'} first`);
      await this.#repositories.deleteEmpty(trx, project.id);
      await this.#store.delete(trx, project.id);
      await appendEvent(trx, { type: 'delete_project', projectId: project.id, resourceType: 'project', resource: project.name, operator: principal!.username });
    });
  }

  async summary(principal: Principal | undefined, project: ProjectRow): Promise<Record<string, unknown>> {
    const grants = await this.#access.require(principal, ref(project), 'self', 'read');
    const summary: Record<string, unknown> = { repo_count: await this.#store.countRepositoriesWithArtifacts(this.#db, project.id) };
    if (allows(grants, 'quota', 'read')) {
      const quota = await this.#quotas.ofProject(project.id);
      if (quota) summary.quota = { hard: { storage: quota.hard }, used: { storage: quota.used } };
    }
    if (allows(grants, 'member', 'list')) {
      const counts = await this.#store.memberCountsByRole(this.#db, project.id);
      summary.project_admin_count = counts.get(ROLE_IDS.projectAdmin) ?? 0;
      summary.maintainer_count = counts.get(ROLE_IDS.maintainer) ?? 0;
      summary.developer_count = counts.get(ROLE_IDS.developer) ?? 0;
      summary.guest_count = counts.get(ROLE_IDS.guest) ?? 0;
      summary.limited_guest_count = counts.get(ROLE_IDS.limitedGuest) ?? 0;
    }
    return summary;
  }

  async metadata(principal: Principal | undefined, project: ProjectRow): Promise<Record<string, string>> {
    await this.#access.require(principal, ref(project), 'metadata', 'read');
    return project.metadata;
  }

  async addMetadata(principal: Principal | undefined, project: ProjectRow, entries: Record<string, string>): Promise<void> {
    await this.#access.require(principal, ref(project), 'metadata', 'create');
    await this.#changeMetadata(principal!, project, (metadata) => ({ ...metadata, ...entries }));
  }

  async updateMetadata(principal: Principal | undefined, project: ProjectRow, name: string, entries: Record<string, string>): Promise<void> {
    await this.#access.require(principal, ref(project), 'metadata', 'update');
    const keys = Object.keys(entries);
    if (keys.length !== 1 || keys[0] !== name) throw new BerthError('BAD_REQUEST', `the body must contain exactly the key ${name}`);
    await this.#changeMetadata(principal!, project, (metadata) => {
      if (!Object.hasOwn(metadata, name)) throw new BerthError('NOT_FOUND', `metadata ${name} not found`);
      return { ...metadata, ...entries };
    });
  }

  async deleteMetadata(principal: Principal | undefined, project: ProjectRow, name: string): Promise<void> {
    await this.#access.require(principal, ref(project), 'metadata', 'delete');
    await this.#changeMetadata(principal!, project, (metadata) => {
      if (!Object.hasOwn(metadata, name)) throw new BerthError('NOT_FOUND', `metadata ${name} not found`);
      const { [name]: _removed, ...rest } = metadata;
      return rest;
    });
  }

  async #changeMetadata(principal: Principal, project: ProjectRow, change: (metadata: Record<string, string>) => Record<string, string>): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#store.lockForUpdate(trx, project.id);
      if (!locked) throw projectNotFound(project.name);
      await this.#store.updateMetadata(trx, project.id, change(locked.metadata));
      await appendEvent(trx, { type: 'update_project', projectId: project.id, resourceType: 'project', resource: project.name, operator: principal.username });
    });
  }
}

export function ref(row: ProjectRow): ProjectRef {
  return { id: row.id, name: row.name, public: row.metadata.public === 'true' };
}

/** "1 repository", "2 repositories": the server's messages are English, in English's plural forms. */
function repositoriesText(count: number): string {
  return `${count} ${count === 1 ? 'repository' : 'repositories'}`;
}
