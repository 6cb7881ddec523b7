/** What the garbage-collection benches (gc.ts, gc-soak.ts) share: the server's database, and berth gc beside it. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const LAUNCHER = new URL('../server/bin/berth', import.meta.url).pathname;

/** The URL of a Berth data directory's embedded PostgreSQL, as bench/seed-artifacts.ts finds it. */
export function databaseUrlOf(dataDir: string): string {
  const password = readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim();
  const port = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3]);
  return `postgres://berth:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * `berth gc <args>` as a process of its own on the server's database and storage, to its end: its exit
 * code and everything it printed. `timed`: under /usr/bin/time, which adds "TIME <wall s> <peak RSS KiB>".
 */
export async function berthGc(dataDir: string, args: string[], timed = false): Promise<{ code: number | null; output: string }> {
  const command = timed ? ['/usr/bin/time', '-f', 'TIME %e %M', LAUNCHER] : [LAUNCHER];
  return await new Promise((resolve, reject) => {
    const child = spawn(command[0]!, [...command.slice(1), 'gc', ...args], {
      env: { ...process.env, BERTH_DATABASE_URL: databaseUrlOf(dataDir), BERTH_DATA_DIR: dataDir, BERTH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
