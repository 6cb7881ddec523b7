import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig, unknownVariables, type BerthConfig } from './config/config.ts';
import { createDatabase, migrateToLatest, type Db } from './db/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { createLogger, type Logger } from './logger.ts';
import { ensureAdmin } from './auth/admin.ts';
import { buildApp } from './app.ts';
import { createStorageDriver } from './storage/create-driver.ts';
import { startHttpsRedirect } from './http/https-redirect.ts';
import { drainAndClose } from './http/closing.ts';
import { reloadCertificateOnChange } from './http/tls-reload.ts';
import type { GcArguments, Invocation } from './cli.ts';
import { describeDeletion, describeProgress, GcOutput } from './gc/gc-output.ts';
import { GarbageCollector } from './gc/gc.service.ts';
import { DatabaseForeground } from './gc/foreground.ts';
import { createContentServices } from './content/content-services.ts';
import { ImmutabilityStore } from './immutability/immutability.store.ts';
import { SettingsService } from './settings/settings.service.ts';
import { BlobStore } from './storage/blob-store.ts';
import { HashWorker } from './storage/parallel-hash.ts';
import { checkDatabaseReachable, checkPortFree, listenError, StartupError } from './startup.ts';

function readTls(config: BerthConfig): { key: Buffer; cert: Buffer } | undefined {
  if (!config.https) return undefined;
  const read = (key: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`https.${key}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: read('certificate', config.https.certificate), key: read('private_key', config.https.private_key) };
}

interface Runtime {
  config: BerthConfig;
  log: Logger;
  db: Db;
  url: string;
  embedded?: EmbeddedDatabase;
}

async function openDatabase(config: BerthConfig, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (url) await checkDatabaseReachable(url);
  else {
    embedded = await startEmbeddedPostgres(config.data_volume, log);
    url = embedded.url();
  }
  const { max_open_conns, acquire_timeout, statement_timeout, idle_in_transaction_timeout } = config.database;
  const db = createDatabase(url, max_open_conns, log, { acquire: acquire_timeout, statement: statement_timeout, idleInTransaction: idle_in_transaction_timeout });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ migrations: applied }, 'applied database migrations');
  return { config, log, db, url, ...(embedded && { embedded }) };
}

async function close(runtime: Runtime): Promise<void> {
  await runtime.db.destroy();
  await runtime.embedded?.stop();
}

async function serve(config: BerthConfig, log: Logger): Promise<void> {
  const tls = readTls(config);
  const listenPort = config.https?.port ?? config.http.port;
  const listenSetting = config.https ? 'https.port' : 'http.port';
  await checkPortFree(config.http.host, listenPort, listenSetting);
  if (config.https) await checkPortFree(config.http.host, config.http.port, 'http.port');
  const runtime = await openDatabase(config, log);
  await ensureAdmin(runtime.db, config.admin_password, config.data_volume, log);
  const { app, health } = await buildApp({ config, db: runtime.db, databaseUrl: runtime.url, storage: await createStorageDriver(config), log, ...(tls && { tls }) });
  let redirect: Server | undefined;
  let listening = { port: listenPort, setting: listenSetting };
  try {
    await app.listen({ port: listenPort, host: config.http.host });
    if (config.https) {
      listening = { port: config.http.port, setting: 'http.port' };
      redirect = await startHttpsRedirect(config.http.port, config.http.host, config.https.port);
    }
  } catch (error) {
    // A port taken between the check and now: release the database as a shutdown would, then say which port.
    await app.close();
    await close(runtime);
    throw listenError(error, config.http.host, listening.port, listening.setting);
  }
  const certificates = config.https && tls && reloadCertificateOnChange(app.server as unknown as TlsServer, { certificate: config.https.certificate, privateKey: config.https.private_key }, tls, log);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    const { shutdown_delay: delay, drain_timeout: drainTimeout } = config.http;
    log.info({ signal, shutdown_delay_ms: delay, drain_timeout_ms: drainTimeout }, 'shutting down: not ready, draining');
    // Whatever hangs past the budget (a job that ignores its abort, a pool that does not end), the
    // orchestrator gets its exit rather than a SIGKILL after its own grace period.
    setTimeout(() => {
      log.error('shutdown did not finish within http.shutdown_delay + http.drain_timeout + 10 s; exiting');
      process.exit(0);
    }, delay + drainTimeout + 10_000).unref();
    health.drain();
    await sleep(delay);
    certificates?.stop();
    redirect?.close();
    await drainAndClose(app, drainTimeout, log);
    await close(runtime);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * berth gc: the same collection the GC job runs, in this process, beside any
 * serving ones. Ctrl-C (or SIGTERM) stops it between batches; the next run
 * finishes what it left. Exit 1 when some bytes could not be deleted.
 */
async function collectGarbage(config: BerthConfig, log: Logger, options: GcArguments): Promise<number> {
  const runtime = await openDatabase(config, log);
  // content/ alone, not the app: this process must not start the job service's workers and schedules.
  const settings = new SettingsService(runtime.db);
  const hashing = new HashWorker();
  const content = createContentServices({
    db: runtime.db,
    blobs: new BlobStore(await createStorageDriver(config)),
    hashing,
    settings,
    options: { deleteEnabled: config.storage_service.delete.enabled, uploadIdleTimeoutMs: config.http.upload_idle_timeout },
    immutableRules: new ImmutabilityStore(),
    log,
  });
  // It yields to pushes on any replica, which the database sees: a process of its own knows of none.
  const gc = new GarbageCollector(content.garbage, new DatabaseForeground(runtime.db));
  const output = new GcOutput(process.stdout);
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('stopped'));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await gc.run(
      { ...options, uploadMaxAgeMs: config.storage_service.upload_purging.age },
      {
        signal: stop.signal,
        onProgress: (progress) => output.progress(progress),
        log: (line) => output.line(line),
        ...(options.verbose && { onDeleted: (deletion) => output.line(`${options.dryRun ? 'would delete' : 'deleted'} ${describeDeletion(deletion)}`) }),
      },
    );
    output.line(`${options.dryRun ? 'dry run, nothing deleted: ' : ''}${describeProgress(result)}`);
    return result.failures > 0 ? 1 : 0;
  } catch (error) {
    if (!stop.signal.aborted) throw error;
    output.line('stopped; the next run finishes what this one began');
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await hashing.close();
    await close(runtime);
  }
}

/** Prints a configuration mistake: one line for one mistake, one line each for several. */
function configProblem(error: ConfigError): number {
  console.error(error.message.includes('\n') ? `berth: invalid configuration:\n${error.message}` : `berth: invalid configuration: ${error.message}`);
  return 2;
}

/** Runs serve, migrate or gc; the exit code, or -1 while serving (the process exits at shutdown). */
export async function main(commandLine: Invocation): Promise<number> {
  let config: BerthConfig;
  try {
    config = loadConfig({ ...(commandLine.configFile && { file: commandLine.configFile }) });
  } catch (error) {
    if (error instanceof ConfigError) return configProblem(error);
    throw error;
  }
  const log = createLogger(config.log.level);
  for (const { name, nearest } of unknownVariables()) {
    log.warn({ variable: name }, `ignoring unknown environment variable ${name}${nearest ? ` (did you mean ${nearest}?)` : ''}`);
  }
  try {
    if (commandLine.command === 'serve') {
      await serve(config, log);
      return -1;
    }
    if (commandLine.command === 'gc') return await collectGarbage(config, log, commandLine.gc!);
    await close(await openDatabase(config, log));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return configProblem(error);
    if (!(error instanceof StartupError)) throw error;
    console.error(`berth: ${error.message}`);
    return 1;
  }
}
