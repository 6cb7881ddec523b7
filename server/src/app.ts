import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { BerthConfig } from './config/config.ts';
import type { Db } from './db/database.ts';
import type { Logger } from './logger.ts';
import { installErrorHandler } from './http/error-handler.plugin.ts';
import { Authenticator } from './auth/authenticator.ts';
import { DatabaseUserVerifier } from './auth/local-users.verifier.ts';
import { resolveApiPrincipal } from './auth/api-auth.plugin.ts';
import { RegistryTokens } from './auth/token/registry-token.ts';
import { tokenRoutes } from './auth/token/token.routes.ts';
import { AccessService } from './access/access.service.ts';
import { permissionsRoutes } from './access/permissions.routes.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditStore } from './audit/audit.store.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { SettingsService } from './settings/settings.service.ts';
import { ProjectsStore } from './projects/projects.store.ts';
import { ProjectsService } from './projects/projects.service.ts';
import { projectsRoutes } from './projects/projects.routes.ts';
import { MembersStore } from './projects/members.store.ts';
import { MembersService } from './projects/members.service.ts';
import { membersRoutes } from './projects/members.routes.ts';
import { RegistryAccess, tokenRealm } from './registry/registry-access.ts';
import { UsersService } from './users/users.service.ts';
import { UsersStore } from './users/users.store.ts';
import { usersRoutes } from './users/users.routes.ts';
import { RobotVerifier } from './robots/robot.verifier.ts';
import { RobotsStore } from './robots/robots.store.ts';
import { RobotsService } from './robots/robots.service.ts';
import { robotsRoutes } from './robots/robots.routes.ts';
import { BlobStore } from './storage/blob-store.ts';
import { HashWorker } from './storage/parallel-hash.ts';
import type { StorageDriver } from './storage/storage-driver.ts';
import { RegistryStore } from './registry/registry.store.ts';
import { RegistryService } from './registry/registry.service.ts';
import { registryRoutes } from './registry/registry.routes.ts';
import { ArtifactsStore } from './artifacts/artifacts.store.ts';
import { ArtifactsService } from './artifacts/artifacts.service.ts';
import { artifactsRoutes } from './artifacts/artifacts.routes.ts';
import { QuotasStore } from './quotas/quotas.store.ts';
import { QuotaLedger } from './quotas/quota-ledger.ts';
import { QuotasService } from './quotas/quotas.service.ts';
import { quotasRoutes } from './quotas/quotas.routes.ts';

/** The `iss` of registry tokens, as Harbor names it. */
const TOKEN_ISSUER = 'harbor-token-issuer';

export interface AppDeps {
  config: BerthConfig;
  /** Key and certificate (PEM) when Berth terminates TLS itself. */
  tls?: { key: Buffer; cert: Buffer };
  db: Db;
  storage: StorageDriver;
  log: Logger;
}

export interface BerthApp {
  app: FastifyInstance;
  registry: RegistryService;
  settings: SettingsService;
  quotas: QuotasService;
}

/** Builds the HTTP application on ready dependencies. Never listens: callers (main, tests) decide. */
export async function buildApp(deps: AppDeps): Promise<BerthApp> {
  const { config, db, storage, log, tls } = deps;
  const verbose = config.log.level === 'debug' || config.log.level === 'trace';
  const app = Fastify({
    ...(tls && { https: tls }),
    loggerInstance: log as FastifyBaseLogger,
    // Two log lines per request cost registry throughput; they are on only at debug level.
    logController: new LogController({ disableRequestLogging: !verbose }),
    // Repository paths plus digests easily exceed Fastify's 100-character default.
    routerOptions: { maxParamLength: 8192 },
    // Multi-gigabyte layers upload for as long as they need; idle sockets are still reaped by keepAliveTimeout.
    requestTimeout: 0,
    connectionTimeout: 0,
    return503OnClosing: true,
    exposeHeadRoutes: false,
  });
  installErrorHandler(app);
  // Set on arrival, not in onSend, so that hijacked responses (blob downloads) carry it too.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0');
  });

  const hashing = new HashWorker();
  app.addHook('onClose', async () => hashing.close());
  const settings = new SettingsService(db);
  const quotasStore = new QuotasStore();
  const quotaLedger = new QuotaLedger(db, quotasStore, settings);
  const registry = new RegistryService(db, new RegistryStore(), new BlobStore(storage), hashing, quotaLedger, { deleteEnabled: config.storage_service.delete.enabled }, log);
  const audit = new AuditLog(db, log);
  app.addHook('onClose', async () => audit.flush());
  const robotsStore = new RobotsStore();
  // Robots first: their names carry the robot prefix, which no user name may start with.
  const authenticator = new Authenticator([new RobotVerifier(db, robotsStore, settings), new DatabaseUserVerifier(db, settings)]);
  const access = new AccessService(db);
  const projectsStore = new ProjectsStore();
  const tokens = new RegistryTokens(db, TOKEN_ISSUER);
  const registryAccess = new RegistryAccess({
    db,
    access,
    projects: projectsStore,
    tokens,
    authenticator,
    realm: (request) => tokenRealm(request, config.external_url, config.behind_proxy),
  });

  await app.register(async (scope) => {
    await registryRoutes(scope, { registry, access: registryAccess, audit });
  });
  await app.register(async (scope) => {
    await tokenRoutes(scope, { tokens, access: registryAccess, authenticator, settings });
  });

  const users = new UsersService(db, new UsersStore(), authenticator, settings, audit);
  const quotas = new QuotasService(db, quotasStore, settings, audit);
  const projects = new ProjectsService(db, projectsStore, access, settings, audit, quotas);
  const members = new MembersService(db, new MembersStore(), access, audit);
  const artifacts = new ArtifactsService({ db, store: new ArtifactsStore(), access, projects, registry, blobs: new BlobStore(storage), audit, quotas: quotaLedger });
  const robots = new RobotsService({ db, store: robotsStore, projects, access, authenticator, settings, audit });
  await app.register(
    async (api) => {
      resolveApiPrincipal(api, authenticator);
      await usersRoutes(api, { users });
      await projectsRoutes(api, { projects });
      await membersRoutes(api, { projects, members });
      await permissionsRoutes(api, { access, projects });
      await artifactsRoutes(api, { artifacts });
      await auditRoutes(api, { db, store: new AuditStore(), access, projects });
      await robotsRoutes(api, { robots });
      await quotasRoutes(api, { quotas });
    },
    { prefix: '/api/v2.0' },
  );

  return { app, registry, settings, quotas };
}
