import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { AccessService } from '../access/access.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { Action } from '../auth/rbac.ts';
import type { Paging, QueryTerm, SortTerm } from '../http/harbor-query.ts';
import { ref, type ProjectsService } from '../projects/projects.service.ts';
import type { ProjectRow } from '../projects/projects.store.ts';
import type { LabelRow, LabelsStore } from './labels.store.ts';

const name = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const description = z.string().max(1024);
/** Empty means no colour, which is what Harbor stores when none is chosen. */
const color = z.string().regex(/^(#[0-9a-fA-F]{6})?$/, 'must be a colour written #RRGGBB');
/** Harbor's portal sends project_id 0 for global labels. */
const projectId = z.number().int().nonnegative();

export const labelCreationSchema = z
  .object({ name, description: description.optional(), color: color.optional(), scope: z.enum(['g', 'p']), project_id: projectId.optional() })
  .loose()
  .superRefine((label, ctx) => {
    if (label.scope === 'p' && !label.project_id) ctx.addIssue({ code: 'custom', path: ['project_id'], message: 'is required for project labels (scope p)' });
    if (label.scope === 'g' && label.project_id) ctx.addIssue({ code: 'custom', path: ['project_id'], message: 'must be absent or 0 for global labels (scope g)' });
  });

/** Name, description and colour change; scope and project stay (a client may echo them back unchanged). */
export const labelUpdateSchema = z
  .object({ name: name.optional(), description: description.optional(), color: color.optional(), scope: z.enum(['g', 'p']).optional(), project_id: projectId.optional() })
  .loose();

export const labelReferenceSchema = z.object({ id: z.number().int().positive() }).loose();

function labelNotFound(id: string): BerthError {
  return new BerthError('NOT_FOUND', `label ${id} not found`);
}

function nameTaken(label: { name: string; scope: 'g' | 'p' }): BerthError {
  return new BerthError('CONFLICT', `a ${label.scope === 'g' ? 'global' : 'project'} label named ${JSON.stringify(label.name)} already exists`);
}

/**
 * Harbor's labels: global ones, which only system administrators manage, and
 * a project's own, under the project's `label` permissions; and which
 * artifacts carry them. An artifact takes global labels and its own
 * project's labels, nothing else.
 */
export class LabelsService {
  readonly #db: Db;
  readonly #store: LabelsStore;
  readonly #access: AccessService;
  readonly #projects: ProjectsService;

  constructor(deps: { db: Db; store: LabelsStore; access: AccessService; projects: ProjectsService }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#access = deps.access;
    this.#projects = deps.projects;
  }

  /** Global labels for anyone signed in; a project's labels for those who may list them there. */
  async list(principal: Principal | undefined, scope: 'g' | 'p', projectId: string | undefined, filters: QueryTerm[], sort: SortTerm[], paging: Paging) {
    if (scope === 'g') {
      requireSignedIn(principal);
      return await this.#store.list(this.#db, { scope }, filters, sort, paging.pageSize, paging.offset);
    }
    const project = ref(await this.#projects.resolve(principal, projectId!, false));
    await this.#access.require(principal, project, 'label', 'list');
    return await this.#store.list(this.#db, { scope, projectId: project.id }, filters, sort, paging.pageSize, paging.offset);
  }

  async create(principal: Principal | undefined, input: z.infer<typeof labelCreationSchema>): Promise<string> {
    let projectId: string | null = null;
    if (input.scope === 'g') requireSysadmin(principal, 'create');
    else {
      const project = ref(await this.#projects.resolve(principal, String(input.project_id), false));
      await this.#access.require(principal, project, 'label', 'create');
      projectId = project.id;
    }
    const id = await this.#store.insert(this.#db, { name: input.name, description: input.description ?? '', color: input.color ?? '', scope: input.scope, projectId });
    if (!id) throw nameTaken(input);
    return id;
  }

  async get(principal: Principal | undefined, id: string): Promise<LabelRow> {
    return await this.#authorized(principal, id, 'read');
  }

  async update(principal: Principal | undefined, id: string, input: z.infer<typeof labelUpdateSchema>): Promise<void> {
    const label = await this.#authorized(principal, id, 'update');
    if (input.scope !== undefined && input.scope !== label.scope) throw new BerthError('BAD_REQUEST', 'scope: a label\'s scope cannot be changed');
    if (input.project_id !== undefined && String(input.project_id) !== (label.projectId ?? '0')) throw new BerthError('BAD_REQUEST', 'project_id: a label cannot move to another project');
    const values = { name: input.name ?? label.name, description: input.description ?? label.description, color: input.color ?? label.color };
    try {
      if (!(await this.#store.update(this.#db, id, values))) throw labelNotFound(id);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw nameTaken({ name: values.name, scope: label.scope });
      throw error;
    }
  }

  /** Deleting a label also takes it off every artifact. */
  async delete(principal: Principal | undefined, id: string): Promise<void> {
    await this.#authorized(principal, id, 'delete');
    if (!(await this.#store.delete(this.#db, id))) throw labelNotFound(id);
  }

  /**
   * Attaches a global label or one of the artifact's own project (the route
   * has required `artifact-label:create` there).
   */
  async attach(project: ProjectRow, artifactId: string, labelId: string): Promise<void> {
    const label = await this.#store.find(this.#db, labelId);
    // Another project's label is as unknown here as a missing one, so label ids reveal nothing of other projects.
    const notFound = () => new BerthError('NOT_FOUND', `label ${labelId} not found among the global labels and those of project ${project.name}`);
    if (!label || (label.scope === 'p' && label.projectId !== project.id)) throw notFound();
    let attached: boolean;
    try {
      attached = await this.#store.attach(this.#db, artifactId, labelId);
    } catch (error) {
      // The label (or the artifact) was deleted since it was looked up.
      if ((error as { code?: string }).code === '23503') throw notFound();
      throw error;
    }
    if (!attached) throw new BerthError('CONFLICT', `label ${label.name} is already on this artifact`);
  }

  async detach(artifactId: string, labelId: string): Promise<void> {
    if (!(await this.#store.detach(this.#db, artifactId, labelId))) throw new BerthError('NOT_FOUND', `label ${labelId} is not on this artifact`);
  }

  /**
   * The label, if the caller may `action` it: global labels are read by
   * anyone signed in and managed by system administrators; project labels
   * follow the project's `label` permissions. A label of a project the caller
   * cannot see is "not found".
   */
  async #authorized(principal: Principal | undefined, id: string, action: Action): Promise<LabelRow> {
    const label = await this.#store.find(this.#db, id);
    if (!label) throw labelNotFound(id);
    if (label.scope === 'g') {
      if (action === 'read') requireSignedIn(principal);
      else requireSysadmin(principal, action);
      return label;
    }
    const project = await this.#projects.resolve(principal, label.projectId!, false).catch((error: unknown) => {
      throw error instanceof BerthError && error.code === 'NOT_FOUND' ? labelNotFound(id) : error;
    });
    await this.#access.require(principal, ref(project), 'label', action);
    return label;
  }
}

function requireSignedIn(principal: Principal | undefined): void {
  if (!principal) throw new BerthError('UNAUTHORIZED', 'authentication required');
}

function requireSysadmin(principal: Principal | undefined, action: Action): void {
  requireSignedIn(principal);
  if (!principal!.sysadmin) throw new BerthError('FORBIDDEN', `only system administrators may ${action} global labels`);
}
