import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { BerthConfig } from './config/config.ts';
import type { Db } from './db/database.ts';
import type { Logger } from './logger.ts';
import { installErrorHandler } from './http/error-handler.plugin.ts';
import { answerFrameworkError, installInputChecks } from './http/input-checks.ts';
import { REQUEST_ID_HEADER, requestIdOf } from './http/request-id.ts';
import { answerClientError } from './http/client-error.ts';
import { closeAfterUnreadBodies } from './http/unread-body.ts';
import { closeConnectionsAsTheyFinish } from './http/closing.ts';
import { trustedProxies, warnOfUntrustedForwarding } from './http/trusted-proxies.ts';
import { describeApi } from './http/openapi.ts';
import { Authenticator } from './auth/authenticator.ts';
import { DatabaseUserVerifier } from './auth/local-users.verifier.ts';
import { retireInitialAdminPassword } from './auth/admin.ts';
import { LdapDirectory } from './auth/ldap/ldap-directory.ts';
import { LdapUsersStore } from './auth/ldap/ldap-users.store.ts';
import { LdapUserVerifier } from './auth/ldap/ldap.verifier.ts';
import { LdapService } from './ldap/ldap.service.ts';
import { ldapRoutes } from './ldap/ldap.routes.ts';
import { resolveApiPrincipal } from './auth/api-auth.plugin.ts';
import { RegistryTokens } from './auth/token/registry-token.ts';
import { tokenRoutes } from './auth/token/token.routes.ts';
import { OidcLoginStore } from './auth/oidc/oidc-login.store.ts';
import { OidcLoginService } from './auth/oidc/oidc-login.service.ts';
import { oidcApiRoutes, oidcLoginRoutes } from './auth/oidc/oidc-login.routes.ts';
import { AccessService } from './access/access.service.ts';
import { permissionsRoutes } from './access/permissions.routes.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditStore } from './audit/audit.store.ts';
import { AuditListener } from './audit/audit.listener.ts';
import { EventReader, type EventConsumer } from './events/event-reader.ts';
import { OutboxPurge } from './events/outbox-purge.ts';
import { outboxPurgeJob, PURGE_EVENTS } from './events/outbox-purge.job.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { SettingsService } from './settings/settings.service.ts';
import { ConfigurationsService } from './settings/configurations.service.ts';
import { settingsRoutes } from './settings/settings.routes.ts';
import { UserGroupsService } from './usergroups/usergroups.service.ts';
import { UserGroupsStore } from './usergroups/usergroups.store.ts';
import { userGroupsRoutes } from './usergroups/usergroups.routes.ts';
import { ProjectsStore } from './projects/projects.store.ts';
import { ProjectsService } from './projects/projects.service.ts';
import { projectsRoutes } from './projects/projects.routes.ts';
import { MembersStore } from './projects/members.store.ts';
import { MembersService } from './projects/members.service.ts';
import { membersRoutes } from './projects/members.routes.ts';
import { RegistryAccess, tokenRealm } from './access/registry-access.ts';
import { PullRecorder } from './registry/pull-recorder.ts';
import { SessionStore } from './sessions/session.store.ts';
import { SessionService } from './sessions/session.service.ts';
import { sessionRoutes } from './sessions/session.routes.ts';
import { resolveSessionPrincipal } from './sessions/session-auth.plugin.ts';
import { externalBaseUrl, reachedOverHttps } from './http/external-url.ts';
import { acceptFormBodies } from './http/form-body.ts';
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
import { createContentServices } from './content/content-services.ts';
import { GarbageCollector } from './gc/gc.service.ts';
import { DatabaseForeground } from './gc/foreground.ts';
import { GARBAGE_COLLECTION, GcParameters, gcJob } from './gc/gc.job.ts';
import { gcRoutes } from './gc/gc.routes.ts';
import { JobRunsService } from './jobs/job-runs.service.ts';
import { AuditPurgeService } from './audit/audit-purge.service.ts';
import { AuditPurgeParameters, auditPurgeJob, PURGE_AUDIT_LOG } from './audit/audit-purge.job.ts';
import { auditPurgeRoutes } from './audit/audit-purge.routes.ts';
import type { BlobsService } from './content/blobs.service.ts';
import { registryRoutes } from './registry/registry.routes.ts';
import { ArtifactsStore } from './artifacts/artifacts.store.ts';
import { ArtifactsService } from './artifacts/artifacts.service.ts';
import { artifactsRoutes } from './artifacts/artifacts.routes.ts';
import { LabelsStore } from './labels/labels.store.ts';
import { LabelsService } from './labels/labels.service.ts';
import { labelsRoutes } from './labels/labels.routes.ts';
import { QuotasStore } from './quotas/quotas.store.ts';
import { QuotasService } from './quotas/quotas.service.ts';
import { quotasRoutes } from './quotas/quotas.routes.ts';
import { HealthService } from './system/health.service.ts';
import { probeRoutes, systemInfoRoutes } from './system/system.routes.ts';
import { OverviewStore } from './overview/overview.store.ts';
import { OverviewService } from './overview/overview.service.ts';
import { overviewRoutes } from './overview/overview.routes.ts';
import { portalRoutes } from './portal/portal.routes.ts';
import { ImmutabilityStore } from './immutability/immutability.store.ts';
import { ImmutabilityService } from './immutability/immutability.service.ts';
import { immutabilityRoutes } from './immutability/immutability.routes.ts';
import { RetentionStore } from './retention/retention.store.ts';
import { RetentionService } from './retention/retention.service.ts';
import { retentionRoutes } from './retention/retention.routes.ts';
import { retentionJob } from './retention/retention.job.ts';
import { RetentionRunsService } from './retention/retention-runs.service.ts';
import { JobService } from './jobs/jobs.service.ts';
import { JobsStore } from './jobs/jobs.store.ts';
import { jobsRoutes } from './jobs/jobs.routes.ts';
import { loadJobModules } from './jobs/job-modules.ts';
import { UPLOAD_PURGE, uploadPurgeJob } from './jobs/upload-purge.job.ts';
import { intervalCron } from './jobs/cron.ts';

/** The `iss` of registry tokens, as Harbor names it. */
const TOKEN_ISSUER = 'harbor-token-issuer';

export interface AppDeps {
  config: BerthConfig;
  /** Key and certificate (PEM) when Berth terminates TLS itself; main replaces them when the files change (http/tls-reload.ts). */
  tls?: { key: Buffer; cert: Buffer };
  db: Db;
  /** The database's URL, for the job queue's own connections; default database.url. */
  databaseUrl?: string;
  storage: StorageDriver;
  log: Logger;
  /** The built portal (index.html and assets/); default portal/dist of this checkout. */
  portalDir?: string;
}

export interface BerthApp {
  app: FastifyInstance;
  /** content/'s blobs and uploads. */
  blobs: BlobsService;
  /** Pulls batched off the pull path. */
  pulls: PullRecorder;
  /** Immutable tag rules, as the write path and retention consult them. */
  immutability: ImmutabilityService;
  /** Retention policies, as a retention run reads them. */
  retention: RetentionService;
  /** Garbage collection over this app's content (berth gc, the GC job). */
  gc: GarbageCollector;
  settings: SettingsService;
  quotas: QuotasService;
  jobs: JobService;
  /** Health and readiness (/api/v2.0/health, /readyz); drain() at shutdown. */
  health: HealthService;
  /** Writes the pulls batched off the request path, then applies every committed event to the audit log (closing the app writes the pulls). */
  flushBuffered(): Promise<void>;
}

/** Builds the HTTP application on ready dependencies. Never listens: callers (main, tests) decide. */
export async function buildApp(deps: AppDeps): Promise<BerthApp> {
  const { config, db, storage, log, tls } = deps;
  const verbose = config.log.level === 'debug' || config.log.level === 'trace';
  const trustProxy = trustedProxies(config);
  const app = Fastify({
    ...(tls && { https: tls }),
    ...(trustProxy && { trustProxy }),
    loggerInstance: log as FastifyBaseLogger,
    // Two log lines per request cost registry throughput; they are on only at debug level.
    logController: new LogController({ disableRequestLogging: !verbose }),
    // Repository paths plus digests easily exceed Fastify's 100-character default.
    routerOptions: { maxParamLength: 8192 },
    // Multi-gigabyte layers upload for as long as they need; idle sockets are still reaped by keepAliveTimeout.
    requestTimeout: 0,
    connectionTimeout: 0,
    // While draining (SIGTERM), a request that still arrives on a kept-alive connection is served, with
    // Connection: close so the client's next one goes elsewhere, rather than refused with a 503 that a
    // registry client may not retry (an upload's next PATCH).
    return503OnClosing: false,
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId: requestIdOf,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  });
  installErrorHandler(app);
  describeApi(app);
  // Set on arrival, not in onSend, so that hijacked responses (blob downloads) carry them too.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0').header(REQUEST_ID_HEADER, request.id);
  });
  installInputChecks(app);
  closeAfterUnreadBodies(app);
  if (!config.external_url) warnOfUntrustedForwarding(app, trustProxy);

  const hashing = new HashWorker();
  app.addHook('onClose', async () => hashing.close());
  const settings = new SettingsService(db);
  const auditStore = new AuditStore();
  const audit = new AuditLog(settings);
  const immutabilityStore = new ImmutabilityStore();
  const content = createContentServices({
    db,
    blobs: new BlobStore(storage),
    hashing,
    settings,
    options: { deleteEnabled: config.storage_service.delete.enabled, uploadIdleTimeoutMs: config.http.upload_idle_timeout },
    immutableRules: immutabilityStore,
    log,
  });
  const pulls = new PullRecorder(db, content.manifests, log);
  // The outbox's readers: pruning keeps every event one of them has not applied.
  const eventConsumers: EventConsumer[] = [new AuditListener(audit, auditStore)];
  const eventReaders = eventConsumers.map((consumer) => new EventReader(db, consumer, log, { intervalMs: config.events.poll_interval }));
  const flushBuffered = async (): Promise<void> => {
    await pulls.flush();
    for (const reader of eventReaders) await reader.drain();
  };
  // Pulls still in memory go to the outbox; events not yet applied wait there for the next reader.
  app.addHook('onClose', async () => {
    await pulls.flush();
    for (const reader of eventReaders) await reader.stop();
  });
  const robotsStore = new RobotsStore();
  const directory = new LdapDirectory(settings);
  const ldapUsers = new LdapUsersStore();
  // Robots first: their names carry the robot prefix, which no user name may start with.
  // Then local accounts: a local user wins over a directory entry of the same name.
  const authenticator = new Authenticator([
    new RobotVerifier(db, robotsStore, settings),
    new DatabaseUserVerifier(db, settings),
    new LdapUserVerifier({ db, directory, settings, store: ldapUsers, log }),
  ]);
  const access = new AccessService(db);
  const tokens = new RegistryTokens(db, TOKEN_ISSUER);
  const users = new UsersService(db, new UsersStore(), authenticator, settings, access, (username) => retireInitialAdminPassword(config.data_volume, log, username));
  const quotas = new QuotasService(db, new QuotasStore(), settings);
  const projects = new ProjectsService(db, new ProjectsStore(), access, settings, quotas, content.repositories);
  const robots = new RobotsService({ db, store: robotsStore, projects, access, authenticator, settings });
  const registryAccess = new RegistryAccess({
    access,
    projects,
    users,
    robots,
    tokens,
    authenticator,
    realm: (request) => tokenRealm(request, config.external_url),
  });

  const databaseUrl = deps.databaseUrl ?? config.database.url;
  if (!databaseUrl) throw new Error('buildApp needs the database URL (databaseUrl or database.url)');
  const jobs = new JobService({ db, store: new JobsStore(), log, databaseUrl, config: { workers: config.jobs.workers, heartbeatMs: config.jobs.heartbeat } });
  jobs.register(uploadPurgeJob((age) => content.blobs.purgeUploads(age)));
  const gc = new GarbageCollector(content.garbage, new DatabaseForeground(db));
  jobs.register(gcJob(gc, config.storage_service.upload_purging.age));
  jobs.register(auditPurgeJob(new AuditPurgeService(db, auditStore)));
  jobs.register(outboxPurgeJob(new OutboxPurge(db, eventConsumers.map((consumer) => consumer.name))));
  const labelsStore = new LabelsStore();
  const artifacts = new ArtifactsService({ db, store: new ArtifactsStore(), access, projects, content, blobs: new BlobStore(storage), labels: labelsStore });
  const immutability = new ImmutabilityService({ db, store: immutabilityStore, access, projects });
  const retention = new RetentionService({ db, store: new RetentionStore(), access, projects, jobs });
  jobs.register(retentionJob({ db, policies: retention, artifacts, immutability }));
  for (const type of await loadJobModules(config.jobs.modules)) jobs.register(type);
  await jobs.start();
  app.addHook('onClose', async () => jobs.stop());
  const purging = config.storage_service.upload_purging;
  if (purging.enabled) await jobs.schedule(UPLOAD_PURGE, intervalCron(purging.interval)!, { age_ms: purging.age });
  else await jobs.unschedule(UPLOAD_PURGE);
  await jobs.schedule(PURGE_EVENTS, intervalCron(config.events.purging.interval)!, { age_ms: config.events.purging.age });

  const health = new HealthService({ db, storage, log, jobs });
  closeConnectionsAsTheyFinish(app, () => health.draining);
  await app.register(async (scope) => {
    await probeRoutes(scope, { health });
  });
  await app.register(async (scope) => {
    await registryRoutes(scope, { content, access: registryAccess, pulls, settings });
  });
  const sessions = new SessionService(db, new SessionStore(), authenticator, settings);
  const oidc = new OidcLoginService({ db, store: new OidcLoginStore(), settings, sessions, authenticator });
  const secureCookies = (request: FastifyRequest) => reachedOverHttps(request, config.external_url);

  await app.register(async (scope) => {
    resolveSessionPrincipal(scope, sessions);
    await tokenRoutes(scope, { tokens, access: registryAccess, authenticator, settings });
  });
  // The portal's sign-in routes (Harbor's /c/…), which take HTML form posts.
  await app.register(async (scope) => {
    acceptFormBodies(scope);
    await sessionRoutes(scope, { sessions, secureCookies });
    await oidcLoginRoutes(scope, {
      oidc,
      secureCookies,
      callbackUri: (request) => `${externalBaseUrl(request, config.external_url)}/c/oidc/callback`,
    });
  });

  const labels = new LabelsService({ db, store: labelsStore, access, projects });
  const ldap = new LdapService({ db, directory, settings, store: ldapUsers });
  const userGroups = new UserGroupsService({ db, store: new UserGroupsStore(), directory });
  const members = new MembersService({ db, store: new MembersStore(), access, userGroups });
  const configurations = new ConfigurationsService({ settings, authenticator });
  await app.register(
    async (api) => {
      resolveApiPrincipal(api, authenticator);
      resolveSessionPrincipal(api, sessions);
      await usersRoutes(api, { users });
      await projectsRoutes(api, { projects });
      await membersRoutes(api, { projects, members });
      await permissionsRoutes(api, { access, projects });
      await artifactsRoutes(api, { artifacts });
      await labelsRoutes(api, { labels, artifacts });
      await auditRoutes(api, { db, store: auditStore, access, projects });
      await robotsRoutes(api, { robots });
      await oidcApiRoutes(api, { oidc });
      await ldapRoutes(api, { ldap });
      await userGroupsRoutes(api, { userGroups });
      await settingsRoutes(api, { configurations, settings, config, hasCaRoot: tls !== undefined });
      await quotasRoutes(api, { quotas });
      await jobsRoutes(api, { jobs });
      await gcRoutes(api, { runs: new JobRunsService(jobs, { vendorType: GARBAGE_COLLECTION, parameters: GcParameters, noun: 'garbage collection' }) });
      await auditPurgeRoutes(api, { runs: new JobRunsService(jobs, { vendorType: PURGE_AUDIT_LOG, parameters: AuditPurgeParameters, noun: 'audit log purge' }) });
      await systemInfoRoutes(api, { storage, certificate: () => tls?.cert });
      await overviewRoutes(api, { overview: new OverviewService({ db, store: new OverviewStore(), projects }) });
      await immutabilityRoutes(api, { immutability, projects });
      await retentionRoutes(api, { retention, runs: new RetentionRunsService({ retention, jobs }) });
    },
    { prefix: '/api/v2.0' },
  );
  // Last: its catch-all page route yields to every API route above.
  await app.register(async (scope) => portalRoutes(scope, { ...(deps.portalDir !== undefined && { dir: deps.portalDir }) }));

  // Outside any transaction (the poller's timers run in this context); stopped by app.close().
  for (const reader of eventReaders) reader.start();
  return { app, blobs: content.blobs, pulls, settings, quotas, immutability, retention, gc, jobs, health, flushBuffered };
}
