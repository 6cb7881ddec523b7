import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config.ts';
import type { JobType } from './job-type.ts';

/**
 * Job types from `jobs.modules`: each module's default export is a job type
 * or a list of them. Loaded once at start, before any job is taken, so every
 * process configured alike runs the same types.
 */
export async function loadJobModules(paths: readonly string[], cwd = process.cwd()): Promise<JobType<never>[]> {
  const types: JobType<never>[] = [];
  for (const path of paths) {
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(resolve(cwd, path)).href)) as { default?: unknown };
    } catch (error) {
      throw new ConfigError(`jobs.modules: cannot load ${path}: ${(error as Error).message}`);
    }
    const exported = Array.isArray(loaded.default) ? loaded.default : [loaded.default];
    for (const type of exported) {
      if (!isJobType(type)) throw new ConfigError(`jobs.modules: ${path} must export default a job type or a list of them (name, payload, maxAttempts, retry, run)`);
      types.push(type);
    }
  }
  return types;
}

function isJobType(value: unknown): value is JobType<never> {
  const t = value as Partial<JobType<never>> | null;
  return typeof t === 'object' && t !== null && typeof t.name === 'string' && typeof t.run === 'function' && typeof t.maxAttempts === 'number' && t.maxAttempts >= 1 && typeof t.payload?.safeParse === 'function' && typeof t.retry === 'object';
}
