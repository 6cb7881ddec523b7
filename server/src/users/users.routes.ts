import type { FastifyInstance } from 'fastify';

import { requirePrincipal, requireUser } from '../auth/api-auth.plugin.ts';
import { pagingHeaders, parsePaging, parseQ, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import { errors, filterQuery, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { GeneratedCliSecret, UserResp, UserSearchRespItem } from './users.schemas.ts';
import type { UserRow } from './users.store.ts';
import { cliSecretSchema, passwordChangeSchema, sysadminSchema, userCreationSchema, userProfileSchema, type UsersService } from './users.service.ts';

/** Fields of GET /users that `q` and `sort` may use. Password hashes are not among them. */
const USER_FIELDS: Record<string, FieldSpec> = {
  username: { column: 'username', type: 'string', fuzzy: true },
  email: { column: 'email', type: 'string', fuzzy: true },
  realname: { column: 'realname', type: 'string', fuzzy: true },
  user_id: { column: 'id', type: 'number' },
  sysadmin_flag: { column: 'sysadmin', type: 'boolean' },
  creation_time: { column: 'created_at', type: 'time' },
  update_time: { column: 'updated_at', type: 'time' },
};

/** Harbor's UserResp. admin_role_in_auth is shown only to the user themself (currentUserResponse), as Harbor does. */
export function userResponse(user: UserRow): Record<string, unknown> {
  return {
    user_id: Number(user.id),
    username: user.username,
    email: user.email ?? '',
    realname: user.realname,
    comment: user.comment,
    sysadmin_flag: user.sysadmin,
    admin_role_in_auth: false,
    creation_time: user.createdAt.toISOString(),
    update_time: user.updatedAt.toISOString(),
  };
}

/**
 * Harbor's UserResp for the signed-in user: whether their administrator flag
 * comes from the directory, and for OIDC users their identity at the
 * provider (Harbor's oidc_user_meta, without the CLI secret, which is never shown again).
 */
export function currentUserResponse(user: UserRow): Record<string, unknown> {
  const response = { ...userResponse(user), admin_role_in_auth: user.adminRoleInAuth };
  if (user.authSource !== 'oidc' || user.externalId === null) return response;
  // external_id is issuer|subject; Harbor's subiss is subject then issuer.
  const bar = user.externalId.indexOf('|');
  const subiss = `${user.externalId.slice(bar + 1)}${user.externalId.slice(0, bar)}`;
  return {
    ...response,
    oidc_user_meta: { user_id: Number(user.id), subiss, creation_time: user.createdAt.toISOString(), update_time: user.updatedAt.toISOString() },
  };
}

type Query = Record<string, string | undefined>;
type Params = { user_id?: string };
const userParams = z.object({ user_id: id });

export async function usersRoutes(app: FastifyInstance, opts: { users: UsersService }): Promise<void> {
  const { users } = opts;

  app.get('/users/current', { schema: { response: { 200: UserResp, ...errors(401, 403) } } }, async (request) => {
    const actor = requireUser(request);
    return currentUserResponse(await users.get(actor, actor.userId));
  });

  app.get('/users/search', { schema: { querystring: z.object({ username: z.string(), ...pagingQuery }), response: { 200: z.array(UserSearchRespItem), ...errors(400, 401) } } }, async (request, reply) => {
    requirePrincipal(request);
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await users.search(query.username ?? '', paging);
    reply.headers(pagingHeaders('/api/v2.0/users/search', query, paging, total));
    return rows.map((row) => ({ user_id: Number(row.id), username: row.username }));
  });

  app.get('/users', { schema: { querystring: z.object({ ...filterQuery, ...pagingQuery }), response: { 200: z.array(UserResp), ...errors(400, 401, 403) } } }, async (request, reply) => {
    const actor = requirePrincipal(request);
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await users.list(actor, parseQ(query.q, USER_FIELDS), parseSort(query.sort, USER_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/users', query, paging, total));
    return rows.map((row) => userResponse(row));
  });

  app.post('/users', { schema: { body: userCreationSchema, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    const actor = request.principal ? requireUser(request) : undefined;
    const user = await users.create(actor, parseInput(userCreationSchema, request.body));
    return reply.status(201).header('Location', `/api/v2.0/users/${user.id}`).send();
  });

  app.get('/users/:user_id', { schema: { params: userParams, response: { 200: UserResp, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const actor = requireUser(request);
    return userResponse(await users.get(actor, parseId((request.params as Params).user_id, 'user_id')));
  });

  app.put('/users/:user_id', { schema: { params: userParams, body: userProfileSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const actor = requireUser(request);
    await users.updateProfile(actor, parseId((request.params as Params).user_id, 'user_id'), parseInput(userProfileSchema, request.body));
    return reply.status(200).send();
  });

  app.put('/users/:user_id/password', { schema: { params: userParams, body: passwordChangeSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const actor = requireUser(request);
    await users.changePassword(actor, parseId((request.params as Params).user_id, 'user_id'), parseInput(passwordChangeSchema, request.body));
    return reply.status(200).send();
  });

  app.put('/users/:user_id/cli_secret', { schema: { params: userParams, body: cliSecretSchema.optional(), response: { 200: NO_BODY.or(GeneratedCliSecret), ...errors(400, 401, 403, 404, 412) } } }, async (request, reply) => {
    const actor = requireUser(request);
    const { secret } = parseInput(cliSecretSchema, request.body ?? {});
    const generated = await users.setCliSecret(actor, parseId((request.params as Params).user_id, 'user_id'), secret);
    // Harbor documents no body; a generated secret is Berth's addition, shown this once.
    return generated === undefined ? reply.status(200).send() : reply.status(200).send({ secret: generated });
  });

  app.put('/users/:user_id/sysadmin', { schema: { params: userParams, body: sysadminSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const actor = requireUser(request);
    const body = parseInput(sysadminSchema, request.body);
    await users.setSysadmin(actor, parseId((request.params as Params).user_id, 'user_id'), body.sysadmin_flag);
    return reply.status(200).send();
  });

  app.delete('/users/:user_id', { schema: { params: userParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const actor = requireUser(request);
    await users.delete(actor, parseId((request.params as Params).user_id, 'user_id'));
    return reply.status(200).send();
  });
}

