import type { FastifyInstance } from 'fastify';
import { requireSysadmin } from '../auth/api-auth.plugin.ts';
import { BerthError } from '../errors.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from '../db/unavailable.ts';
import type { StorageDriver } from '../storage/storage-driver.ts';
import type { HealthService } from './health.service.ts';
import { content, errors } from '../http/openapi.ts';
import { z } from 'zod';
import { OverallHealthStatus, SystemInfo, UnhealthyStatus } from './system.schemas.ts';

/**
 * Liveness and health, outside the /api/v2.0 scope that resolves callers:
 * no login is needed, and an Authorization header a load balancer happens
 * to send never sends the probe to the database. /api/version is Harbor's
 * one route outside /api/v2.0.
 */
export async function probeRoutes(app: FastifyInstance, opts: { health: HealthService }): Promise<void> {
  const { health } = opts;

  // Only that this process serves HTTP; dependencies are /health's business.
  app.get('/api/v2.0/ping', { schema: { response: { 200: content('text/plain', z.literal('Pong')) } } }, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Pong'));

  app.get('/api/version', async () => ({ version: 'v2.0' }));

  // Kubernetes-style probes (plain text, no login). Liveness asks nothing of any dependency: a lost
  // database must take a replica out of service (readiness), not get it restarted over and over.
  app.get('/livez', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok'));
  app.get('/readyz', async (_request, reply) => {
    const reason = await health.readiness();
    reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store');
    return reason === undefined ? reply.send('ok') : reply.status(503).send(reason);
  });

  // Harbor answers 200 whatever the outcome. Berth says "unhealthy" with 503 too, so a load balancer's
  // or orchestrator's probe takes a replica that lost its database out of service; the body is then
  // the error envelope every failure has, with Harbor's components beside it.
  app.get('/api/v2.0/health', { schema: { response: { 200: OverallHealthStatus, 503: UnhealthyStatus } } }, async (_request, reply) => {
    const status = await health.status();
    if (status.status === 'healthy') return status;
    const failing = status.components.filter((c) => c.status !== 'healthy').map((c) => c.error ?? c.name);
    reply.status(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    return { errors: [{ code: 'SERVICE_UNAVAILABLE', message: `unhealthy: ${failing.join('; ')}` }], ...status };
  });
}

/** Harbor's /systeminfo/volumes and /systeminfo/getcert (/systeminfo itself is in settings.routes.ts). */
export async function systemInfoRoutes(app: FastifyInstance, opts: { storage: StorageDriver; certificate: () => Buffer | undefined }): Promise<void> {
  const { storage, certificate } = opts;

  app.get('/systeminfo/volumes', { schema: { response: { 200: SystemInfo, ...errors(401, 403, 404) } } }, async (request) => {
    requireSysadmin(request);
    const capacity = await storage.capacity();
    if (!capacity) throw new BerthError('NOT_FOUND', `${storage.name} storage has no volume whose size could be reported`);
    return { storage: [capacity] };
  });

  /**
   * Harbor hands out its CA certificate for clients to trust
   * (/etc/docker/certs.d/<host>/ca.crt). Berth's counterpart is the
   * certificate chain it serves HTTPS with; without one (plain HTTP, or TLS
   * ended by a proxy) there is nothing to hand out, as in Harbor without a CA.
   */
  app.get('/systeminfo/getcert', { schema: { response: { 200: content('application/octet-stream', z.string().meta({ description: 'the PEM certificate chain, as the file ca.crt' })), ...errors(401, 404) } } }, async (_request, reply) => {
    const served = certificate();
    if (!served) throw new BerthError('NOT_FOUND', 'no certificate to download: Berth does not serve HTTPS itself');
    return reply.type('application/octet-stream').header('Content-Disposition', 'attachment; filename=ca.crt').send(served);
  });
}
