#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type BerthConfig } from './config/config.ts';
import { createDatabase, migrateToLatest, type Db } from './db/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { DataDirectoryInUseError } from './db/data-dir-lock.ts';
import { createLogger, type Logger } from './logger.ts';
import { ensureAdmin } from './auth/admin.ts';
import { buildApp } from './app.ts';
import { createStorageDriver } from './storage/create-driver.ts';
import { startHttpsRedirect } from './http/https-redirect.ts';
import { BERTH_VERSION } from './version.ts';

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

const USAGE = `usage: berth <command> [--config berth.yml]

commands:
  serve      run the registry (applies migrations first)
  migrate    apply database migrations and exit
  version    print Berth's version
  help       show this text

Configuration comes from berth.yml (or --config / BERTH_CONFIG) and BERTH_* variables.`;

interface Runtime {
  config: BerthConfig;
  log: Logger;
  db: Db;
  embedded?: EmbeddedDatabase;
}

async function openDatabase(config: BerthConfig, log: Logger): Promise<Runtime> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.database.url;
  if (!url) {
    embedded = await startEmbeddedPostgres(config.data_volume, log);
    url = embedded.url();
  }
  const { max_open_conns, acquire_timeout, statement_timeout, idle_in_transaction_timeout } = config.database;
  const db = createDatabase(url, max_open_conns, log, { acquire: acquire_timeout, statement: statement_timeout, idleInTransaction: idle_in_transaction_timeout });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ migrations: applied }, 'applied database migrations');
  return { config, log, db, ...(embedded && { embedded }) };
}

async function close(runtime: Runtime): Promise<void> {
  await runtime.db.destroy();
  await runtime.embedded?.stop();
}

async function serve(config: BerthConfig, log: Logger): Promise<void> {
  const tls = readTls(config);
  const runtime = await openDatabase(config, log);
  await ensureAdmin(runtime.db, config.admin_password, config.data_volume, log);
  const { app, registry } = await buildApp({ config, db: runtime.db, storage: await createStorageDriver(config), log, ...(tls && { tls }) });
  const purging = config.storage_service.upload_purging;
  const purge = () => registry.purgeUploads(purging.age).catch((error: unknown) => log.error({ err: error }, 'upload purge failed'));
  const timer = purging.enabled ? setInterval(purge, purging.interval) : undefined;
  timer?.unref();
  await app.listen({ port: config.https?.port ?? config.http.port, host: config.http.host });
  const redirect = config.https ? await startHttpsRedirect(config.http.port, config.http.host, config.https.port) : undefined;
  if (purging.enabled) void purge();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    clearInterval(timer);
    redirect?.close();
    await app.close();
    await close(runtime);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

export async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const command = args.shift() ?? 'serve';
  let file: string | undefined;
  const configIndex = args.indexOf('--config');
  if (configIndex >= 0) file = args[configIndex + 1];
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'version' || command === '--version') {
    console.log(`berth ${BERTH_VERSION}`);
    return 0;
  }
  let config: BerthConfig;
  try {
    config = loadConfig({ ...(file && { file }) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`berth: invalid configuration:\n${error.message}`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.log.level);
  switch (command) {
    case 'serve':
      try {
        await serve(config, log);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        console.error(`berth: invalid configuration:\n${error.message}`);
        return 2;
      }
      return -1;
    case 'migrate': {
      const runtime = await openDatabase(config, log);
      await close(runtime);
      return 0;
    }
    default:
      console.error(`berth: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error: unknown) => {
      if (error instanceof DataDirectoryInUseError) {
        console.error(`berth: ${error.message}`);
        process.exit(1);
      }
      console.error('berth: fatal:', error);
      process.exit(1);
    },
  );
}
