import { z } from 'zod';
import { id } from '../http/openapi.ts';

/** The path parameter of every project route: a project id, or its name (also when X-Is-Resource-Name: true). */
export const projectParams = z.object({ project_name_or_id: z.string().min(1).meta({ description: 'the project id, or its name' }) });

/** Project settings as Harbor's ProjectMetadata: every value a string ("true", "false", a severity, …). */
export const ProjectMetadata = z.record(z.string(), z.string()).meta({ id: 'ProjectMetadata' });

/** Harbor's Project as Berth answers it (projects.routes.ts projectResponse). */
export const Project = z
  .object({
    project_id: z.int(),
    owner_id: z.int(),
    owner_name: z.string(),
    name: z.string(),
    creation_time: z.iso.datetime(),
    update_time: z.iso.datetime(),
    deleted: z.boolean(),
    togglable: z.boolean(),
    current_user_role_id: z.int(),
    current_user_role_ids: z.array(z.int()),
    repo_count: z.int(),
    metadata: ProjectMetadata,
    cve_allowlist: z.object({ project_id: z.int(), items: z.array(z.object({ cve_id: z.string() })) }),
  })
  .meta({ id: 'Project' });

export const ProjectDeletable = z.object({ deletable: z.boolean(), message: z.string() }).meta({ id: 'ProjectDeletable' });

const storage = z.object({ storage: z.int() });

/** Harbor's ProjectSummary: quota and member counts only for callers who may read them. */
export const ProjectSummary = z
  .object({
    repo_count: z.int(),
    quota: z.object({ hard: storage, used: storage }).optional(),
    project_admin_count: z.int().optional(),
    maintainer_count: z.int().optional(),
    developer_count: z.int().optional(),
    guest_count: z.int().optional(),
    limited_guest_count: z.int().optional(),
  })
  .meta({ id: 'ProjectSummary' });

export const ProjectMemberEntity = z
  .object({
    id: z.int(),
    project_id: z.int(),
    entity_name: z.string(),
    role_name: z.string(),
    role_id: z.int(),
    entity_id: z.int(),
    entity_type: z.enum(['u', 'g']).meta({ description: 'u: a user, g: a user group' }),
  })
  .meta({ id: 'ProjectMemberEntity' });

export const memberParams = projectParams.extend({ mid: id });
