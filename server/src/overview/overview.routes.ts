import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../http/validate.ts';
import { projectResponse } from '../projects/projects.routes.ts';
import type { OverviewService } from './overview.service.ts';
import { errors } from '../http/openapi.ts';
import { Search, Statistic } from './overview.schemas.ts';

const searchQuery = z.object({ q: z.string().trim().min(1, 'q is required: the text names must contain').max(255) }).loose();

/** Harbor's GET /search and GET /statistics. */
export async function overviewRoutes(app: FastifyInstance, opts: { overview: OverviewService }): Promise<void> {
  const { overview } = opts;

  app.get('/search', { schema: { querystring: searchQuery, response: { 200: Search, ...errors(400, 401) } } }, async (request) => {
    const { q } = parseInput(searchQuery, request.query);
    const { projects, repositories } = await overview.search(request.principal, q);
    return {
      project: projects.map(projectResponse),
      repository: repositories.map((repository) => ({
        project_id: Number(repository.projectId),
        project_name: repository.projectName,
        project_public: repository.projectPublic,
        repository_name: repository.name,
        pull_count: repository.pullCount,
        artifact_count: repository.artifactCount,
      })),
    };
  });

  app.get('/statistics', { schema: { response: { 200: Statistic, ...errors(401) } } }, async (request) => await overview.statistics(request.principal));
}
