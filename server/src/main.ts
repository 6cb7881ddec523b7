import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Server } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig, unknownVariables, type BerthConfig } from './config/config.ts';
import { createDatabase, migrateToLatest, type Db } from './db/database.ts';
import { runningEmbeddedUrl, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { NEWEST_KNOWN, pendingMigrations, readSchemaState, unknownMigrations } from './db/schema-compatibility.ts';
import { createLogger, type Logger } from './logger.ts';
import { ensureAdmin } from './auth/admin.ts';
import { buildApp } from './app.ts';
import { createStorageDriver } from './storage/create-driver.ts';
import { startHttpsRedirect } from './http/https-redirect.ts';
import { drainAndClose } from './http/closing.ts';
import { reloadCertificateOnChange, tlsPairProblem } from './http/tls-reload.ts';
import type { GcArguments, Invocation } from './cli.ts';
import { describeDeletion, describeProgress, GcOutput } from './gc/gc-output.ts';
import { GarbageCollector } from './gc/gc.service.ts';
import { DatabaseForeground } from './gc/foreground.ts';
import { createContentServices } from './content/content-services.ts';
import { ImmutabilityStore } from './immutability/immutability.store.ts';
import { SettingsService } from './settings/settings.service.ts';
import { BlobStore } from './storage/blob-store.ts';
import { HashWorker } from './storage/parallel-hash.ts';
import { BackupError } from './backup/backup-format.ts';
import { BackupService } from './backup/backup.service.ts';
import { BackupStore } from './backup/backup.store.ts';
import { RestoreService, verifyBackup } from './backup/restore.service.ts';
import { JobsStore } from './jobs/jobs.store.ts';
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
  const pair = { cert: read('certificate', config.https.certificate), key: read('private_key', config.https.private_key) };
  const problem = tlsPairProblem(pair);
  if (problem) throw new ConfigError(`https.certificate and https.private_key: ${problem}`);
  return pair;
}

interface Runtime {
  config: BerthConfig;
  log: Logger;
  db: Db;
  url: string;
  embedded?: EmbeddedDatabase;
}

/** The database, migrated to this Berth's schema. */
async function openDatabase(config: BerthConfig, log: Logger): Promise<Runtime> {
  const runtime = await connectDatabase(config, log);
  try {
    const applied = await migrateToLatest(runtime.db, log);
    if (applied.length > 0) log.info({ migrations: applied }, 'applied database migrations');
  } catch (error) {
    // A refused schema is an answer, not a crash: the embedded PostgreSQL stops as at a shutdown.
    await close(runtime);
    throw error;
  }
  return runtime;
}

async function connectDatabase(config: BerthConfig, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (url) await checkDatabaseReachable(url);
  else {
    embedded = await startEmbeddedPostgres(config.data_volume, log);
    url = embedded.url();
  }
  const { max_open_conns, acquire_timeout, statement_timeout, idle_in_transaction_timeout } = config.database;
  const db = createDatabase(url, max_open_conns, log, { acquire: acquire_timeout, statement: statement_timeout, idleInTransaction: idle_in_transaction_timeout });
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
  if (config.metric.enabled) await checkPortFree(config.http.host, config.metric.port, 'metric.port');
  // Before the first query, so start-up's are traced too; the SDK is loaded only when enabled.
  const tracing = config.trace.enabled ? (await import('./tracing/tracing.ts')).startTracing(config.trace, log) : undefined;
  const runtime = await openDatabase(config, log);
  await ensureAdmin(runtime.db, config.admin_password, config.data_volume, log);
  const { app, health, metrics } = await buildApp({
    config,
    db: runtime.db,
    databaseUrl: runtime.url,
    storage: await createStorageDriver(config),
    log,
    ...(tls && { tls }),
    ...(tracing && { tracer: tracing.tracer }),
  });
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
  let metricsListener: Server | undefined;
  if (metrics) {
    const { startMetricsListener } = await import('./metrics/metrics-listener.ts');
    metricsListener = await startMetricsListener(metrics, { host: config.http.host, port: config.metric.port, path: config.metric.path, log }).catch(async (error: unknown) => {
      await app.close();
      await close(runtime);
      throw listenError(error, config.http.host, config.metric.port, 'metric.port');
    });
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    const { shutdown_delay: delay, drain_timeout: drainTimeout } = config.http;
    log.info({ signal, shutdown_delay_ms: delay, drain_timeout_ms: drainTimeout }, 'shutting down');
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
    metricsListener?.close();
    await drainAndClose(app, drainTimeout, log);
    await close(runtime);
    await tracing?.shutdown();
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    void shutdown(signal).catch((error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
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

/** berth migrate --dry-run: what a migration would apply, and whether replicas of the running Berth may stay up meanwhile. */
async function describePendingMigrations(config: BerthConfig, log: Logger): Promise<number> {
  const runtime = await connectDatabase(config, log);
  try {
    const state = await readSchemaState(runtime.db);
    const unknown = unknownMigrations(state);
    const pending = pendingMigrations(state);
    if (unknown.length > 0) console.log(`the database also has migrations of a newer Berth, all expand-only: ${unknown.join(', ')}`);
    if (pending.length === 0) {
      console.log(`dry run: no pending migrations; the database is up to date for this Berth (${NEWEST_KNOWN})`);
      return 0;
    }
    console.log(`dry run: ${pending.length} pending migration${pending.length === 1 ? '' : 's'}, nothing applied:`);
    const width = Math.max(...pending.map(({ name }) => name.length));
    for (const { name, kind } of pending) console.log(`  ${name.padEnd(width)}  ${kind === 'expand' ? 'expand-only' : 'breaking'}`);
    console.log(
      pending.some(({ kind }) => kind === 'breaking')
        ? 'breaking: stop every replica of the older Berth before these are applied (docs/upgrading.md)'
        : 'expand-only: replicas of the older Berth keep running beside the new one (docs/upgrading.md)',
    );
    return 0;
  } finally {
    await close(runtime);
  }
}

/**
 * The database berth backup and restore work on: the external one; for the
 * embedded one, a backup reads the server of the Berth serving the data
 * volume when one runs, and otherwise (as a restore always) starts the
 * embedded server itself, which refuses while another process holds the volume.
 */
async function backupDatabase(config: BerthConfig, log: Logger, mayShare: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const external = config.database.url;
  if (external) {
    await checkDatabaseReachable(external);
    return { url: external, stop: async () => undefined };
  }
  const running = mayShare ? runningEmbeddedUrl(config.data_volume) : undefined;
  if (running) return { url: running, stop: async () => undefined };
  const embedded = await startEmbeddedPostgres(config.data_volume, log);
  return { url: embedded.url(), stop: () => embedded.stop() };
}

/** berth backup DIR and berth restore [--verify] DIR (backup/): exit 0 done, 1 refused or failed. */
async function backupOrRestore(config: BerthConfig, log: Logger, command: 'backup' | 'restore', options: { dir: string; verify: boolean }): Promise<number> {
  const dir = resolve(options.dir);
  if (options.verify) {
    try {
      const problems = await verifyBackup(dir, { log: (line) => console.log(line) });
      for (const problem of problems) console.error(`berth ${command} --verify: ${problem}`);
      return problems.length === 0 ? 0 : 1;
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      console.error(`berth ${command} --verify: ${error.message}`);
      return 1;
    }
  }
  const database = await backupDatabase(config, log, command === 'backup');
  const client = new pg.Client({ connectionString: database.url, application_name: `berth ${command}` });
  let db: Db | undefined;
  try {
    await client.connect();
    const store = new BackupStore(client);
    const storage = await createStorageDriver(config);
    if (command === 'backup') {
      const manifest = await new BackupService({ store, storage }).run(dir, { log: (line) => console.log(line) });
      console.log(`backup ${manifest.id} complete in ${dir}: ${manifest.tables.length} tables, ${manifest.blobs.count} blobs; copied ${manifest.copied.blobs} blobs, ${manifest.copied.bytes} bytes`);
      return 0;
    }
    db = createDatabase(database.url, 4, log, { acquire: config.database.acquire_timeout, statement: 0, idleInTransaction: 0 });
    const manifest = await new RestoreService({ db, store, storage, settings: new SettingsService(db), jobs: new JobsStore() }).run(dir, { log: (line) => console.log(line) });
    console.log(`backup ${manifest.id} restored; read_only is on until a system administrator turns it off`);
    return 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    console.error(`berth ${command}: ${error.message}`);
    return 1;
  } finally {
    await db?.destroy();
    await client.end().catch(() => undefined);
    await database.stop();
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
    if (commandLine.command === 'backup' || commandLine.command === 'restore') return await backupOrRestore(config, log, commandLine.command, commandLine.backup!);
    if (commandLine.dryRun) return await describePendingMigrations(config, log);
    await close(await openDatabase(config, log));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return configProblem(error);
    if (!(error instanceof StartupError)) throw error;
    console.error(`berth: ${error.message}`);
    return 1;
  }
}
