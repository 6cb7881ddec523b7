import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { BerthConfig } from './config/config.ts';
import type { Db } from './db/database.ts';
import type { Logger } from './logger.ts';
import { installErrorHandler } from './http/error-handler.plugin.ts';
import { Authenticator } from './auth/authenticator.ts';
import { DatabaseUserVerifier } from './auth/local-users.verifier.ts';
import { LdapDirectory } from './auth/ldap/ldap-directory.ts';
import { LdapUsersStore } from './auth/ldap/ldap-users.store.ts';
import { LdapUserVerifier } from './auth/ldap/ldap.verifier.ts';
import { LdapService } from './ldap/ldap.service.ts';
import { ldapRoutes } from './ldap/ldap.routes.ts';
import { resolveApiPrincipal } from './auth/api-auth.plugin.ts';
import { RegistryTokens } from './auth/token/registry-token.ts';
import { tokenRoutes } from './auth/token/token.routes.ts';
import { AccessService } from './access/access.service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { SettingsService } from './settings/settings.service.ts';
import { ConfigurationsService } from './settings/configurations.service.ts';
import { settingsRoutes } from './settings/settings.routes.ts';
import { UserGroupsService } from './usergroups/usergroups.service.ts';
import { UserGroupsStore } from './usergroups/usergroups.store.ts';
import { userGroupsRoutes } from './usergroups/usergroups.routes.ts';
import { ProjectsStore } from './projects/projects.store.ts';
import { ProjectsService } from './projects/projects.service.ts';
import { projectsRoutes } from './projects/projects.routes.ts';
import { RegistryAccess, tokenRealm } from './registry/registry-access.ts';
import { UsersService } from './users/users.service.ts';
import { UsersStore } from './users/users.store.ts';
import { usersRoutes } from './users/users.routes.ts';
import { BlobStore } from './storage/blob-store.ts';
import { HashWorker } from './storage/parallel-hash.ts';
import type { StorageDriver } from './storage/storage-driver.ts';
import { RegistryStore } from './registry/registry.store.ts';
import { RegistryService } from './registry/registry.service.ts';
import { registryRoutes } from './registry/registry.routes.ts';

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
  const registry = new RegistryService(db, new RegistryStore(), new BlobStore(storage), hashing, { deleteEnabled: config.storage_service.delete.enabled }, log);
  const settings = new SettingsService(db);
  const audit = new AuditLog(db, log);
  app.addHook('onClose', async () => audit.flush());
  const directory = new LdapDirectory(settings);
  const ldapUsers = new LdapUsersStore();
  // Local accounts first: a local user wins over a directory entry of the same name.
  const authenticator = new Authenticator([
    new DatabaseUserVerifier(db, settings),
    new LdapUserVerifier({ db, directory, settings, store: ldapUsers, audit, log }),
  ]);
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
  const projects = new ProjectsService(db, projectsStore, access, settings, audit);
  const ldap = new LdapService({ db, directory, settings, store: ldapUsers, audit });
  const userGroups = new UserGroupsService({ db, store: new UserGroupsStore(), directory, audit });
  const configurations = new ConfigurationsService({ settings, audit, authenticator });
  await app.register(
    async (api) => {
      resolveApiPrincipal(api, authenticator);
      await usersRoutes(api, { users });
      await projectsRoutes(api, { projects });
      await ldapRoutes(api, { ldap });
      await userGroupsRoutes(api, { userGroups });
      await settingsRoutes(api, { configurations, settings, config });
    },
    { prefix: '/api/v2.0' },
  );

  return { app, registry };
}
