import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../processes.ts';
import { StartupError } from '../startup.ts';

/** Another live process holds the data directory: a start-up error the operator resolves, printed as one line. */
export class DataDirectoryInUseError extends StartupError {
  readonly pid: number;

  constructor(dataVolume: string, pid: number) {
    super(`the data directory ${dataVolume} is in use by another Berth process (pid ${pid}); stop that process first, or give this one its own data_volume`);
    this.name = 'DataDirectoryInUseError';
    this.pid = pid;
  }
}

interface Holder {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), so a pid reused after a crash is not taken for the holder. */
  started?: string;
}

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parse(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Holder;
    return Number.isInteger(value.pid) && value.pid > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

function running(holder: Holder): boolean {
  // After a crash a container's new process often gets the pid its predecessor had: that is not a holder.
  if (holder.pid === process.pid || !isAlive(holder.pid)) return false;
  return holder.started === undefined || startTime(holder.pid) === undefined || startTime(holder.pid) === holder.started;
}

/**
 * Locks `dataVolume` for this process, so a second Berth started on it
 * refuses (naming the holder) instead of taking the first one's embedded
 * PostgreSQL for a leftover. The lock is a file created atomically (link)
 * with the holder's pid and start time; a holder that is no longer running
 * (kill -9, power loss) leaves a stale file, which the next start replaces.
 * Returns the release, also run at process exit.
 */
export function lockDataDirectory(dataVolume: string): () => void {
  const path = join(dataVolume, 'berth.lock');
  const content = JSON.stringify({ pid: process.pid, started: startTime(process.pid) } satisfies Holder);
  for (let attempt = 0; attempt < 10; attempt++) {
    // Written whole under a private name first: whoever reads the lock never sees it half-written.
    const scratch = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(scratch, content, { mode: 0o644 });
    try {
      linkSync(scratch, path);
      const release = () => {
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === content) rmSync(path);
        } catch {
          // Already gone.
        }
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(scratch, { force: true });
    }
    let seen: string;
    try {
      seen = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const holder = parse(seen);
    if (holder && running(holder)) throw new DataDirectoryInUseError(dataVolume, holder.pid);
    // Stale. Move it aside and drop it only if it is still the file judged stale: another
    // starter may have replaced it in between, and its fresh lock goes back in place.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    if (readFileSync(aside, 'utf8') !== seen) {
      try {
        linkSync(aside, path);
      } catch {
        // A third starter holds it now; the next round reads theirs.
      }
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`could not lock the data directory ${dataVolume}: its lock file keeps changing`);
}
