import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { binaries, initialise, postgresUser } from '../../src/db/embedded-postgres.ts';
import type { Peer } from './netns.ts';

/**
 * The replicas' external PostgreSQL: a server of its own (not the suite's
 * shared one, which other test files use while this one stops and starts
 * it), in its own namespace like a database host — so a killed test run's
 * leftover server goes with the namespace — with password authentication
 * for the subnet.
 */
export interface HaPostgres {
  /** A URL for `database` on this server. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (rolls back open transactions; clients' connections end). */
  stop(): Promise<void>;
  /** Starts it again on the same address, port and data. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

const USER = 'berth';

export async function startPostgres(peer: Peer, subnet: string): Promise<HaPostgres> {
  const address = peer.address;
  const bin = await binaries();
  const ids = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'berth-ha-pg-'));
  // The postgres user only traverses this directory down to its own data.
  chmodSync(dir, 0o711);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const password = randomBytes(12).toString('hex');
  await initialise(bin, dir, dataDir, password, ids);
  appendFileSync(join(dataDir, 'pg_hba.conf'), `host all ${USER} ${subnet} scram-sha-256\n`);
  // Its own namespace: the port is free.
  const port = 5432;
  let server: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${address}`, '-c', 'unix_socket_directories=', '-c', 'max_connections=200'];
      // Entering the namespace needs root: the server drops to the postgres user after (setpriv execs it, keeping its pid).
      const user = ids ? ['setpriv', `--reuid=${ids.uid}`, `--regid=${ids.gid}`, '--clear-groups'] : [];
      const [command, ...rest] = [...peer.wrapper, ...user, bin.postgres, ...args];
      const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      let output = '';
      let ready = false;
      const onData = (chunk: Buffer) => {
        if (ready) return;
        output += chunk.toString();
        if (output.includes('database system is ready to accept connections')) {
          ready = true;
          server = child;
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (!ready) reject(new Error(`PostgreSQL exited during start (${code ?? signal}):\n${output}`));
      });
    });

  const stop = async () => {
    const current = server;
    server = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGINT');
    await exited;
  };

  const url = (database: string) => `postgres://${USER}:${password}@${address}:${port}/${database}`;
  await start();
  return {
    url,
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: url('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
