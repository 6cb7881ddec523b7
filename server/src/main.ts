import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, unknownVariables, type BerthConfig } from './config/config.ts';
import { createDatabase, migrateToLatest, type Db } from './db/database.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.ts';
import { createLogger, type Logger } from './logger.ts';
import { ensureAdmin } from './auth/admin.ts';
import { buildApp } from './app.ts';
import { createStorageDriver } from './storage/create-driver.ts';
import { startHttpsRedirect } from './http/https-redirect.ts';
import type { Invocation } from './cli.ts';
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
  const { app } = await buildApp({ config, db: runtime.db, databaseUrl: runtime.url, storage: await createStorageDriver(config), log, ...(tls && { tls }) });
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
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    redirect?.close();
    await app.close();
    await close(runtime);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Prints a configuration mistake: one line for one mistake, one line each for several. */
function configProblem(error: ConfigError): number {
  console.error(error.message.includes('\n') ? `berth: invalid configuration:\n${error.message}` : `berth: invalid configuration: ${error.message}`);
  return 2;
}

/** Runs serve or migrate; the exit code, or -1 while serving (the process exits at shutdown). */
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
    await close(await openDatabase(config, log));
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) return configProblem(error);
    if (!(error instanceof StartupError)) throw error;
    console.error(`berth: ${error.message}`);
    return 1;
  }
}
