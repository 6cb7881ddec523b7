import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BerthError } from '../errors.ts';
import { requirePrincipal } from '../auth/api-auth.plugin.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import { parseInput } from '../http/validate.ts';
import { additionsOf, isIndex, repositoryUpdateSchema, tagCreationSchema, type ArtifactView, type ArtifactsService, type TagView, type ViewOptions } from './artifacts.service.ts';
import type { ArtifactRow, RepositorySummary } from './artifacts.store.ts';
import { iconByDigest, iconDigest } from './icons.ts';
import { labelResponse } from '../labels/label-response.ts';
import { isName } from '../projects/projects.routes.ts';
import { errors, content, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { projectParams } from '../projects/projects.schemas.ts';
import { Accessory, Artifact, artifactParams, artifactViewQuery, Icon, listQuery, Repository, repositoryParams, Tag } from './artifacts.schemas.ts';

const REPOSITORY_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'r.name', type: 'string', fuzzy: true },
  creation_time: { column: 'r.created_at', type: 'time' },
  update_time: { column: 'r.updated_at', type: 'time' },
  pull_count: { column: 'r.pull_count', type: 'number' },
};

const ARTIFACT_FIELDS: Record<string, FieldSpec> = {
  digest: { column: 'a.digest', type: 'string' },
  type: { column: 'a.type', type: 'string' },
  // The media_type and artifact_type the responses show (see artifactResponse), as Harbor filters them.
  media_type: { column: "CASE WHEN a.media_type LIKE '%index%' OR a.media_type LIKE '%manifest.list%' THEN a.media_type ELSE coalesce(a.artifact_type, a.media_type) END", type: 'string', expression: true },
  artifact_type: { column: 'coalesce(a.artifact_type, a.media_type)', type: 'string', expression: true },
  push_time: { column: 'a.pushed_at', type: 'time' },
  pull_time: { column: 'a.pull_time', type: 'time' },
  size: { column: 'a.total_size', type: 'number' },
  tags: { column: 'SELECT string_agg(t.name, \' \') FROM tag t WHERE t.artifact_id = a.id', type: 'string', fuzzy: true, expression: true },
  labels: { column: 'SELECT al.label_id FROM artifact_label al WHERE al.artifact_id = a.id', type: 'number', members: true },
};

const TAG_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'string', fuzzy: true },
  push_time: { column: 'updated_at', type: 'time' },
  pull_time: { column: 'pull_time', type: 'time' },
};

/** Harbor writes "never" as Go's zero time. */
const NEVER = '0001-01-01T00:00:00.000Z';

function time(value: Date | null): string {
  return value ? value.toISOString() : NEVER;
}

type Params = { project_name: string; repository_name: string; reference: string; tag_name: string; addition: string };
type Query = Record<string, string | undefined>;

/** Harbor double-encodes the slashes of repository names in paths ("a%252Fb"); one decode is Fastify's, this is the second. */
export function repositoryName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BerthError('BAD_REQUEST', 'malformed repository name');
  }
}

/** Where a repository's artifacts are, as Harbor's clients address them (the name double-encoded). */
function artifactsPath(projectName: string, repositoryName: string): string {
  return `/api/v2.0/projects/${projectName}/repositories/${encodeURIComponent(encodeURIComponent(repositoryName))}/artifacts`;
}

function flag(query: Query, name: string, fallback: boolean): boolean {
  const value = query[name];
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') throw new BerthError('BAD_REQUEST', `${name} must be true or false`);
  return value === 'true';
}

function repositoryResponse(repository: RepositorySummary): Record<string, unknown> {
  return {
    id: Number(repository.id),
    project_id: Number(repository.projectId),
    name: repository.name,
    description: repository.description,
    artifact_count: repository.artifactCount,
    pull_count: repository.pullCount,
    creation_time: repository.createdAt.toISOString(),
    update_time: repository.updatedAt.toISOString(),
  };
}

function tagResponse(tag: TagView): Record<string, unknown> {
  return { id: Number(tag.id), repository_id: Number(tag.repositoryId), artifact_id: Number(tag.artifactId), name: tag.name, push_time: tag.pushTime.toISOString(), pull_time: time(tag.pullTime), immutable: tag.immutable };
}

/** cosign, notation and Harbor SBOMs by their artifact types; anything else with a subject is a generic accessory. */
function accessoryType(artifact: ArtifactRow): string {
  switch (artifact.artifactType) {
    case 'application/vnd.dev.cosign.artifact.sig.v1+json':
      return 'signature.cosign';
    case 'application/vnd.cncf.notary.signature':
      return 'signature.notation';
    case 'application/vnd.goharbor.harbor.sbom.v1':
      return 'harbor.sbom';
    default:
      return 'subject.accessory';
  }
}

function accessoryResponse(accessory: ArtifactRow, subject: ArtifactRow, repositoryName: string): Record<string, unknown> {
  return {
    id: Number(accessory.id),
    artifact_id: Number(accessory.id),
    subject_artifact_id: Number(subject.id),
    subject_artifact_digest: subject.digest,
    subject_artifact_repo: repositoryName,
    size: accessory.totalSize,
    digest: accessory.digest,
    type: accessoryType(accessory),
    icon: iconDigest(accessoryType(accessory).startsWith('signature.') ? 'SIGNATURE' : accessory.type),
    creation_time: accessory.pushedAt.toISOString(),
  };
}

function artifactResponse(view: ArtifactView, base: string): Record<string, unknown> {
  const { artifact } = view;
  const links: Record<string, { href: string; absolute: boolean }> = {};
  for (const addition of additionsOf(artifact)) links[addition] = { href: `${base}/${artifact.digest}/additions/${addition}`, absolute: false };
  return {
    id: Number(artifact.id),
    type: artifact.type,
    media_type: isIndex(artifact) ? artifact.mediaType : (artifact.artifactType ?? artifact.mediaType),
    manifest_media_type: artifact.mediaType,
    artifact_type: artifact.artifactType ?? artifact.mediaType,
    project_id: Number(view.projectId),
    repository_id: Number(artifact.repositoryId),
    repository_name: view.repositoryName,
    digest: artifact.digest,
    size: artifact.totalSize,
    icon: iconDigest(artifact.type),
    push_time: artifact.pushedAt.toISOString(),
    pull_time: time(artifact.pullTime),
    extra_attrs: artifact.extraAttrs ?? {},
    annotations: artifact.annotations ?? {},
    references: view.references.map((r) => ({
      parent_id: Number(r.parentId),
      child_id: Number(r.childId),
      child_digest: r.childDigest,
      ...(r.platform !== undefined && { platform: r.platform }),
      ...(r.annotations !== undefined && { annotations: r.annotations }),
      ...(r.urls !== undefined && { urls: r.urls }),
    })),
    ...(view.tags && { tags: view.tags.map(tagResponse) }),
    addition_links: links,
    ...(view.labels && { labels: view.labels.map(labelResponse) }),
    ...(view.accessories && { accessories: view.accessories.map((a) => accessoryResponse(a, artifact, view.repositoryName)) }),
  };
}

/**
 * Harbor's repository, artifact and tag operations under
 * /projects/{project_name}/repositories, plus /repositories.
 */
export async function artifactsRoutes(app: FastifyInstance, opts: { artifacts: ArtifactsService }): Promise<void> {
  const { artifacts } = opts;
  const params = (request: FastifyRequest) => request.params as Params;
  const basePath = (request: FastifyRequest) => artifactsPath(params(request).project_name, repositoryName(params(request).repository_name));

  app.get('/icons/:digest', { schema: { params: z.object({ digest: z.string() }), response: { 200: Icon, ...errors(401, 404) } } }, async (request) => {
    const icon = iconByDigest((request.params as { digest: string }).digest);
    if (!icon) throw new BerthError('NOT_FOUND', 'icon not found');
    return icon;
  });

  app.get('/repositories', { schema: { querystring: z.object(listQuery), response: { 200: z.array(Repository), ...errors(400, 401) } } }, async (request, reply) => {
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await artifacts.listAllRepositories(request.principal, parseQ(query.q, REPOSITORY_FIELDS), parseSort(query.sort, REPOSITORY_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/repositories', query, paging, total));
    return rows.map(repositoryResponse);
  });

  app.get('/projects/:project_name/repositories', { schema: { params: z.object({ project_name: z.string() }), querystring: z.object(listQuery), response: { 200: z.array(Repository), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await artifacts.project(request.principal, params(request).project_name, 'repository', 'list');
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await artifacts.listRepositories(project, parseQ(query.q, REPOSITORY_FIELDS), parseSort(query.sort, REPOSITORY_FIELDS), paging);
    reply.headers(pagingHeaders(`/api/v2.0/projects/${project.name}/repositories`, query, paging, total));
    return rows.map(repositoryResponse);
  });

  app.get('/projects/:project_name/repositories/:repository_name', { schema: { params: repositoryParams, response: { 200: Repository, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const project = await artifacts.project(request.principal, params(request).project_name, 'repository', 'read');
    return repositoryResponse(await artifacts.summary(await artifacts.repository(project, repositoryName(params(request).repository_name))));
  });

  app.put('/projects/:project_name/repositories/:repository_name', { schema: { params: repositoryParams, body: repositoryUpdateSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await artifacts.project(request.principal, params(request).project_name, 'repository', 'update');
    const repository = await artifacts.repository(project, repositoryName(params(request).repository_name));
    await artifacts.updateRepository(repository, parseInput(repositoryUpdateSchema, request.body).description);
    return reply.status(200).send();
  });

  app.delete('/projects/:project_name/repositories/:repository_name', { schema: { params: repositoryParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    const project = await artifacts.project(request.principal, params(request).project_name, 'repository', 'delete');
    const repository = await artifacts.repository(project, repositoryName(params(request).repository_name));
    await artifacts.deleteRepository(requirePrincipal(request), project, repository);
    return reply.status(200).send();
  });

  const viewOptions = (query: Query, defaults: { withAccessory: boolean }): ViewOptions => ({
    withTag: flag(query, 'with_tag', true),
    withAccessory: flag(query, 'with_accessory', defaults.withAccessory),
    withLabel: flag(query, 'with_label', false),
    withImmutableStatus: flag(query, 'with_immutable_status', false),
  });

  app.get('/projects/:project_name/repositories/:repository_name/artifacts', { schema: { params: repositoryParams, querystring: z.object({ ...listQuery, ...artifactViewQuery }), response: { 200: z.array(Artifact), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const project = await artifacts.project(request.principal, params(request).project_name, 'artifact', 'list');
    const repository = await artifacts.repository(project, repositoryName(params(request).repository_name));
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { views, total } = await artifacts.listArtifacts(project, repository, parseQ(query.q, ARTIFACT_FIELDS), parseSort(query.sort, ARTIFACT_FIELDS), paging, viewOptions(query, { withAccessory: false }));
    reply.headers(pagingHeaders(basePath(request), query, paging, total));
    return views.map((view) => artifactResponse(view, basePath(request)));
  });

  // Harbor asks for a login here even in public projects.
  app.get('/projects/:project_name_or_id/artifacts', { schema: { params: projectParams, querystring: z.object({ ...listQuery, ...artifactViewQuery, latest_in_repository: z.boolean().optional() }), response: { 200: z.array(Artifact), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    requirePrincipal(request);
    const nameOrId = (request.params as { project_name_or_id: string }).project_name_or_id;
    const project = await artifacts.project(request.principal, nameOrId, 'artifact', 'list', isName(request));
    const query = request.query as Query;
    const paging = parsePaging(query);
    const options = { ...viewOptions(query, { withAccessory: false }), latestInRepository: flag(query, 'latest_in_repository', false) };
    const { views, total } = await artifacts.listProjectArtifacts(project, parseQ(query.q, ARTIFACT_FIELDS), parseSort(query.sort, ARTIFACT_FIELDS), paging, options);
    reply.headers(pagingHeaders(`/api/v2.0/projects/${encodeURIComponent(nameOrId)}/artifacts`, query, paging, total));
    return views.map((view) => artifactResponse(view, artifactsPath(project.name, view.repositoryName.slice(project.name.length + 1))));
  });

  app.post('/projects/:project_name/repositories/:repository_name/artifacts', { schema: { params: repositoryParams, querystring: z.object({ from: z.string().meta({ description: '<project>/<repository>:<tag> or <project>/<repository>@<digest>' }) }), response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    const from = (request.query as Query).from;
    if (!from) throw new BerthError('BAD_REQUEST', 'from is required: <project>/<repository>:<tag> or @<digest>');
    const project = await artifacts.project(request.principal, params(request).project_name, 'artifact', 'create');
    const digest = await artifacts.copy(requirePrincipal(request), project, repositoryName(params(request).repository_name), from);
    return reply.status(201).header('Location', `${basePath(request)}/${digest}`).send();
  });

  const artifactOf = async (request: FastifyRequest, resource: Parameters<ArtifactsService['project']>[2], action: Parameters<ArtifactsService['project']>[3]) => {
    const project = await artifacts.project(request.principal, params(request).project_name, resource, action);
    const repository = await artifacts.repository(project, repositoryName(params(request).repository_name));
    const artifact = await artifacts.artifact(repository, params(request).reference);
    return { project, repository, artifact };
  };

  app.get('/projects/:project_name/repositories/:repository_name/artifacts/:reference', { schema: { params: artifactParams, querystring: z.object({ ...pagingQuery, ...artifactViewQuery, with_signature: z.boolean().optional().meta({ description: 'accepted; accessories show signatures' }) }), response: { 200: Artifact, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const { project, repository, artifact } = await artifactOf(request, 'artifact', 'read');
    return artifactResponse(await artifacts.view(project, repository, artifact, viewOptions(request.query as Query, { withAccessory: true })), basePath(request));
  });

  app.delete('/projects/:project_name/repositories/:repository_name/artifacts/:reference', { schema: { params: artifactParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    const { project, repository, artifact } = await artifactOf(request, 'artifact', 'delete');
    await artifacts.deleteArtifact(requirePrincipal(request), project, repository, artifact);
    return reply.status(200).send();
  });

  app.get('/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags', { schema: { params: artifactParams, querystring: z.object({ ...listQuery, with_immutable_status: artifactViewQuery.with_immutable_status }), response: { 200: z.array(Tag), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const { project, repository, artifact } = await artifactOf(request, 'tag', 'list');
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await artifacts.listTags(project, repository, artifact, parseQ(query.q, TAG_FIELDS), parseSort(query.sort, TAG_FIELDS), paging, flag(query, 'with_immutable_status', false));
    reply.headers(pagingHeaders(`${basePath(request)}/${params(request).reference}/tags`, query, paging, total));
    return rows.map(tagResponse);
  });

  app.post('/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags', { schema: { params: artifactParams, body: tagCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const { project, repository, artifact } = await artifactOf(request, 'tag', 'create');
    const { name } = parseInput(tagCreationSchema, request.body);
    await artifacts.createTag(requirePrincipal(request), project, repository, artifact, name);
    return reply.status(201).header('Location', `${basePath(request)}/${artifact.digest}/tags/${name}`).send();
  });

  app.delete('/projects/:project_name/repositories/:repository_name/artifacts/:reference/tags/:tag_name', { schema: { params: artifactParams.extend({ tag_name: z.string() }), response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    const { project, repository, artifact } = await artifactOf(request, 'tag', 'delete');
    await artifacts.deleteTag(requirePrincipal(request), project, repository, artifact, params(request).tag_name);
    return reply.status(200).send();
  });

  app.get('/projects/:project_name/repositories/:repository_name/artifacts/:reference/accessories', { schema: { params: artifactParams, querystring: z.object(pagingQuery), response: { 200: z.array(Accessory), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const { repository, artifact } = await artifactOf(request, 'accessory', 'list');
    const rows = await artifacts.accessories(repository, artifact);
    const query = request.query as Query;
    const paging = parsePaging(query);
    reply.headers(pagingHeaders(`${basePath(request)}/${params(request).reference}/accessories`, query, paging, rows.length));
    return rows.slice(paging.offset, paging.offset + paging.pageSize).map((row) => accessoryResponse(row, artifact, repository.name));
  });

  app.get(
    '/projects/:project_name/repositories/:repository_name/artifacts/:reference/additions/:addition',
    {
      schema: {
        params: artifactParams.extend({ addition: z.enum(['build_history', 'values.yaml', 'readme.md', 'dependencies']) }),
        response: {
          200: {
            content: {
              'application/json': { schema: z.array(z.unknown()).meta({ description: "build_history: the image config's history; dependencies: the chart's" }) },
              ...content('text/plain', z.string().meta({ description: "values.yaml: the chart's values" })).content,
              ...content('text/markdown', z.string().meta({ description: "readme.md: the chart's README" })).content,
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
    const { artifact } = await artifactOf(request, 'artifact-addition', 'read');
    const { contentType, body } = await artifacts.addition(artifact, params(request).addition);
    return reply.header('Content-Type', contentType).send(typeof body === 'string' ? body : JSON.stringify(body));
  });
}
