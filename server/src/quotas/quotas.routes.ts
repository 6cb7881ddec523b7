import type { FastifyInstance } from 'fastify';
import { pagingHeaders, parsePaging, parseSort, type FieldSpec } from '../http/harbor-query.ts';
import { parseId, parseInput } from '../http/validate.ts';
import type { QuotaRow } from './quotas.store.ts';
import { quotaUpdateSchema, type QuotasService } from './quotas.service.ts';

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

export async function quotasRoutes(app: FastifyInstance, opts: { quotas: QuotasService }): Promise<void> {
  const { quotas } = opts;

  app.get('/quotas', async (request, reply) => {
    const query = request.query as Query;
    const paging = parsePaging(query);
    const { rows, total } = await quotas.list(request.principal, { reference: query.reference, referenceId: query.reference_id }, parseSort(query.sort, QUOTA_SORT_FIELDS), paging);
    reply.headers(pagingHeaders('/api/v2.0/quotas', query, paging, total));
    return rows.map(quotaResponse);
  });

  app.get('/quotas/:id', async (request) => {
    const id = parseId((request.params as { id: string }).id, 'id');
    return quotaResponse(await quotas.get(request.principal, id));
  });

  app.put('/quotas/:id', async (request, reply) => {
    const id = parseId((request.params as { id: string }).id, 'id');
    const { hard } = parseInput(quotaUpdateSchema, request.body);
    await quotas.updateHard(request.principal, id, hard.storage);
    return reply.status(200).send();
  });
}
