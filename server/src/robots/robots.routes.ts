import type { FastifyInstance } from 'fastify';
import { requirePrincipal } from '../auth/api-auth.plugin.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { errors, filterQuery, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { Permissions, Robot, RobotCreated, RobotSec } from './robots.schemas.ts';
import { robotCreationSchema, robotSecretSchema, robotUpdateSchema, type RobotView, type RobotsService } from './robots.service.ts';

/** Fields of GET /robots that `q` and `sort` may use. Secrets are not among them. */
const ROBOT_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'r.name', type: 'string', fuzzy: true },
  level: { column: 'r.level', type: 'string' },
  project_id: { column: 'r.project_id', type: 'number' },
  disable: { column: 'r.disabled', type: 'boolean' },
  creation_time: { column: 'r.created_at', type: 'time' },
  update_time: { column: 'r.updated_at', type: 'time' },
  // The spellings Harbor's portal sends (q=Level=project,ProjectID=3).
  Level: { column: 'r.level', type: 'string' },
  ProjectID: { column: 'r.project_id', type: 'number' },
};

/** Harbor's expires_at: Unix seconds, -1 for robots that never expire. */
function expiresAt(robot: { expiresAt: Date | null }): number {
  return robot.expiresAt === null ? -1 : Math.floor(robot.expiresAt.getTime() / 1000);
}

/** Harbor's Robot. The secret is never part of it. */
export function robotResponse(robot: RobotView): Record<string, unknown> {
  return {
    id: Number(robot.id),
    name: robot.name,
    description: robot.description,
    level: robot.level,
    duration: robot.duration,
    editable: true,
    disable: robot.disabled,
    expires_at: expiresAt(robot),
    permissions: robot.permissions.map((permission) => ({
      kind: permission.kind,
      namespace: permission.namespace,
      access: permission.access.map((entry) => ({ resource: entry.resource, action: entry.action, effect: entry.effect ?? 'allow' })),
    })),
    creator_type: robot.creatorType,
    creator_ref: Number(robot.creatorRef) || 0,
    creation_time: robot.createdAt.toISOString(),
    update_time: robot.updatedAt.toISOString(),
  };
}

type Query = Record<string, string | undefined>;
type Params = { robot_id?: string };
const robotParams = z.object({ robot_id: id });

export async function robotsRoutes(app: FastifyInstance, opts: { robots: RobotsService }): Promise<void> {
  const { robots } = opts;
  const robotId = (params: unknown) => parseId((params as Params).robot_id, 'robot_id');

  app.get('/robots', { schema: { querystring: z.object({ ...filterQuery, ...pagingQuery }), response: { 200: z.array(Robot), ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const actor = requirePrincipal(request);
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await robots.list(actor, parseQ(query.q, ROBOT_FIELDS), parseSort(query.sort, ROBOT_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/robots', query, paging, total));
    return rows.map(robotResponse);
  });

  app.post('/robots', { schema: { body: robotCreationSchema, response: { 201: RobotCreated, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const actor = requirePrincipal(request);
    const { robot, secret } = await robots.create(actor, parseInput(robotCreationSchema, request.body));
    return reply
      .status(201)
      .header('Location', `/api/v2.0/robots/${robot.id}`)
      .send({ id: Number(robot.id), name: robot.name, secret, creation_time: robot.createdAt.toISOString(), expires_at: expiresAt(robot) });
  });

  app.get('/robots/:robot_id', { schema: { params: robotParams, response: { 200: Robot, ...errors(400, 401, 403, 404) } } }, async (request) => robotResponse(await robots.get(requirePrincipal(request), robotId(request.params))));

  app.put('/robots/:robot_id', { schema: { params: robotParams, body: robotUpdateSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const actor = requirePrincipal(request);
    await robots.update(actor, robotId(request.params), parseInput(robotUpdateSchema, request.body));
    return reply.status(200).send();
  });

  app.patch('/robots/:robot_id', { schema: { params: robotParams, body: robotSecretSchema.optional(), response: { 200: RobotSec, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const actor = requirePrincipal(request);
    // Harbor's portal sends {} to ask for a random secret; some clients send no body at all.
    return { secret: await robots.refreshSecret(actor, robotId(request.params), parseInput(robotSecretSchema, request.body ?? {})) };
  });

  app.delete('/robots/:robot_id', { schema: { params: robotParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    await robots.delete(requirePrincipal(request), robotId(request.params));
    return reply.status(200).send();
  });

  app.get('/permissions', { schema: { response: { 200: Permissions, ...errors(401, 403) } } }, async (request) => robots.grantable(requirePrincipal(request)));
}
