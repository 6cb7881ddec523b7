import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseId, parseInput } from '../http/validate.ts';
import { errors, id, NO_BODY } from '../http/openapi.ts';
import { retentionPolicyInput } from './retention-policy.ts';
import { RetentionMetadata, RetentionPolicy } from './retention.schemas.ts';
import type { RetentionService } from './retention.service.ts';
import type { RetentionPolicyRow } from './retention.store.ts';

const policyParams = z.object({ id });

/** Harbor's RetentionPolicy. */
export function retentionPolicyResponse(policy: RetentionPolicyRow): z.infer<typeof RetentionPolicy> {
  return { id: Number(policy.id), algorithm: policy.algorithm, rules: policy.rules, trigger: policy.trigger, scope: { level: 'project', ref: Number(policy.projectId) } };
}

/**
 * Harbor's /retentions: the metadata, and a project's policy. Executions,
 * their tasks and logs come with the job service.
 */
export async function retentionRoutes(app: FastifyInstance, opts: { retention: RetentionService }): Promise<void> {
  const { retention } = opts;
  const policyId = (request: FastifyRequest) => parseId((request.params as { id: string }).id, 'id');

  app.get('/retentions/metadatas', { schema: { response: { 200: RetentionMetadata, ...errors(401) } } }, async (request) => retention.metadata(request.principal));

  app.post('/retentions', { schema: { body: retentionPolicyInput, response: { 201: NO_BODY, ...errors(400, 401, 403, 409) } } }, async (request, reply) => {
    const created = await retention.create(request.principal, parseInput(retentionPolicyInput, request.body));
    return reply.status(201).header('Location', `/api/v2.0/retentions/${created}`).send();
  });

  app.get('/retentions/:id', { schema: { params: policyParams, response: { 200: RetentionPolicy, ...errors(400, 401, 403, 404) } } }, async (request) => retentionPolicyResponse(await retention.get(request.principal, policyId(request))));

  app.put('/retentions/:id', { schema: { params: policyParams, body: retentionPolicyInput, response: { 200: NO_BODY, ...errors(400, 401, 403, 404, 409) } } }, async (request, reply) => {
    const id = policyId(request);
    await retention.update(request.principal, id, parseInput(retentionPolicyInput, request.body));
    return reply.status(200).send();
  });

  app.delete('/retentions/:id', { schema: { params: policyParams, response: { 200: NO_BODY, ...errors(400, 401, 403, 404) } } }, async (request, reply) => {
    await retention.delete(request.principal, policyId(request));
    return reply.status(200).send();
  });
}
