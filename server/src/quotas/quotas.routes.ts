import type { FastifyInstance } from 'fastify';
import { pagingHeaders, parsePaging, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import type { QuotaRow } from './quotas.store.ts';
import { quotaUpdateSchema, type QuotasService } from './quotas.service.ts';
import { errors, id, NO_BODY, pagingQuery } from '../http/openapi.ts';
import { z } from 'zod';
import { Quota } from './quotas.schemas.ts';

/** What `sort` accepts on GET /quotas: Harbor's "hard.<resource>" and "used.<resource>", plus the times. */
const QUOTA_SORT_FIELDS: Record<string, FieldSpec> = {
  'hard.storage': { column: 'q.hard', type: 'number' },
  'used.storage': { column: 'q.used', type: 'number' },
  creation_time: { column: 'q.created_at', type: 'time' },
  update_time: { column: 'q.updated_at', type: 'time' },
};

/** Harbor's Quota. */
export function quotaResponse(quota: QuotaRow): Record<string, unknown> {
  return {
    id: Number(quota.id),
    ref: { id: Number(quota.projectId), name: quota.projectName, owner_name: quota.ownerName ?? '' },
    hard: { storage: quota.hard },
    used: { storage: quota.used },
    creation_time: quota.createdAt.toISOString(),
    update_time: quota.updatedAt.toISOString(),
  };
}

type Query = Record<string, string | undefined>;
const quotaParams = z.object({ id });

export async function quotasRoutes(app: FastifyInstance, opts: { quotas: QuotasService }): Promise<void> {
  const { quotas } = opts;

  app.get(
    '/quotas',
    {
      schema: {
        querystring: z.object({
          ...pagingQuery,
          reference: z.string().optional().meta({ description: 'the kind of owner; only project quotas exist' }),
          reference_id: z.string().optional().meta({ description: 'the project id' }),
          sort: z.string().optional().meta({ description: 'hard.storage, used.storage, creation_time, update_time; - for descending' }),
        }),
        response: { 200: z.array(Quota), ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await quotas.list(request.principal, { reference: query.reference, referenceId: query.reference_id }, parseSort(query.sort, QUOTA_SORT_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/quotas', query, paging, total));
    return rows.map(quotaResponse);
  });

  app.get('/quotas/:id', { schema: { params: quotaParams, response: { 200: Quota, ...errors(400, 401, 403, 404) } } }, async (request) => {
    const id = parseId((request.params as { id: string }).id, 'id');
    return quotaResponse(await quotas.get(request.principal, id));
  });

  app.put('/quotas/:id', { schema: { params: quotaParams, body: quotaUpdateSchema, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    const id = parseId((request.params as { id: string }).id, 'id');
    const { hard } = parseInput(quotaUpdateSchema, request.body);
    await quotas.updateHard(request.principal, id, hard.storage);
    return reply.status(200).send();
  });
}
