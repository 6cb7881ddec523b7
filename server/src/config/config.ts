import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type BerthConfig } from './config.schema.ts';

export type { BerthConfig } from './config.schema.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Lists are paths separated by `:` as in PATH, or addresses separated by commas (IPv6 has colons). */
type EnvType = 'string' | 'number' | 'boolean' | 'list' | 'addresses';

/** BERTH_* variables an operator (or a test) sets, and the berth.yml key each overrides. */
const ENV_OVERRIDES: Record<string, { key: string[]; type: EnvType }> = {
  BERTH_HOSTNAME: { key: ['hostname'], type: 'string' },
  BERTH_EXTERNAL_URL: { key: ['external_url'], type: 'string' },
  BERTH_HTTP_PORT: { key: ['http', 'port'], type: 'number' },
  BERTH_BEHIND_PROXY: { key: ['behind_proxy'], type: 'boolean' },
  BERTH_HTTP_HOST: { key: ['http', 'host'], type: 'string' },
  BERTH_HTTP_UPLOAD_IDLE_TIMEOUT: { key: ['http', 'upload_idle_timeout'], type: 'string' },
  BERTH_HTTP_DRAIN_TIMEOUT: { key: ['http', 'drain_timeout'], type: 'string' },
  BERTH_HTTP_SHUTDOWN_DELAY: { key: ['http', 'shutdown_delay'], type: 'string' },
  BERTH_HTTP_TRUSTED_PROXIES: { key: ['http', 'trusted_proxies'], type: 'addresses' },
  BERTH_HTTPS_PORT: { key: ['https', 'port'], type: 'number' },
  BERTH_HTTPS_CERTIFICATE: { key: ['https', 'certificate'], type: 'string' },
  BERTH_HTTPS_PRIVATE_KEY: { key: ['https', 'private_key'], type: 'string' },
  BERTH_DATA_DIR: { key: ['data_volume'], type: 'string' },
  BERTH_ADMIN_PASSWORD: { key: ['admin_password'], type: 'string' },
  BERTH_DATABASE_URL: { key: ['database', 'url'], type: 'string' },
  BERTH_DATABASE_MAX_OPEN_CONNS: { key: ['database', 'max_open_conns'], type: 'number' },
  BERTH_DATABASE_ACQUIRE_TIMEOUT: { key: ['database', 'acquire_timeout'], type: 'string' },
  BERTH_DATABASE_STATEMENT_TIMEOUT: { key: ['database', 'statement_timeout'], type: 'string' },
  BERTH_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: { key: ['database', 'idle_in_transaction_timeout'], type: 'string' },
  BERTH_LOG_LEVEL: { key: ['log', 'level'], type: 'string' },
  BERTH_EVENTS_POLL_INTERVAL: { key: ['events', 'poll_interval'], type: 'string' },
  BERTH_EVENTS_PURGING_AGE: { key: ['events', 'purging', 'age'], type: 'string' },
  BERTH_EVENTS_PURGING_INTERVAL: { key: ['events', 'purging', 'interval'], type: 'string' },
  BERTH_STORAGE_FILESYSTEM_ROOTDIRECTORY: { key: ['storage_service', 'filesystem', 'rootdirectory'], type: 'string' },
  BERTH_STORAGE_S3_BUCKET: { key: ['storage_service', 's3', 'bucket'], type: 'string' },
  BERTH_STORAGE_S3_REGION: { key: ['storage_service', 's3', 'region'], type: 'string' },
  BERTH_STORAGE_S3_REGIONENDPOINT: { key: ['storage_service', 's3', 'regionendpoint'], type: 'string' },
  BERTH_STORAGE_S3_ACCESSKEY: { key: ['storage_service', 's3', 'accesskey'], type: 'string' },
  BERTH_STORAGE_S3_SECRETKEY: { key: ['storage_service', 's3', 'secretkey'], type: 'string' },
  BERTH_STORAGE_S3_ROOTDIRECTORY: { key: ['storage_service', 's3', 'rootdirectory'], type: 'string' },
  BERTH_STORAGE_DELETE_ENABLED: { key: ['storage_service', 'delete', 'enabled'], type: 'boolean' },
  BERTH_UPLOAD_PURGING_AGE: { key: ['storage_service', 'upload_purging', 'age'], type: 'string' },
  BERTH_UPLOAD_PURGING_INTERVAL: { key: ['storage_service', 'upload_purging', 'interval'], type: 'string' },
  BERTH_JOBS_WORKERS: { key: ['jobs', 'workers'], type: 'number' },
  BERTH_JOBS_HEARTBEAT: { key: ['jobs', 'heartbeat'], type: 'string' },
  BERTH_JOBS_MODULES: { key: ['jobs', 'modules'], type: 'list' },
};

function envValue(name: string, raw: string, type: EnvType): unknown {
  if (type === 'string') return raw;
  // Paths separated as in PATH.
  if (type === 'list') return raw.split(':').filter((item) => item !== '');
  if (type === 'addresses') return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (type === 'number') {
    if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}: expected a whole number, got ${JSON.stringify(raw)}`);
    return Number(raw);
  }
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`${name}: expected true or false, got ${JSON.stringify(raw)}`);
}

function setPath(target: Record<string, unknown>, key: string[], value: unknown): void {
  let node = target;
  for (const part of key.slice(0, -1)) {
    const next = node[part];
    if (next === undefined || next === null) node[part] = {};
    else if (typeof next !== 'object') throw new ConfigError(`${key.join('.')}: ${part} is not a section`);
    node = node[part] as Record<string, unknown>;
  }
  node[key[key.length - 1]!] = value;
}

/**
 * Variables Berth's own tooling reads, not the server: the test suite's
 * PostgreSQL (test/fixtures/global-setup.ts) and the portal's dev-server proxy
 * target (portal/vite.config.ts). Set beside a server, they are not typos.
 */
const TOOLING_VARIABLES = ['BERTH_TEST_DATABASE_URL', 'BERTH_URL'];
const KNOWN_VARIABLES = ['BERTH_CONFIG', ...Object.keys(ENV_OVERRIDES), ...TOOLING_VARIABLES];

/** Edits (insert, delete, substitute, swap two neighbours) between two names: the optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * BERTH_* variables Berth does not read — most likely misspelt, so a setting
 * the operator believes applied is silently at its default — each with the
 * known name it is closest to, when one is close (a third of the name or two edits).
 */
export function unknownVariables(env: NodeJS.ProcessEnv = process.env): { name: string; nearest?: string }[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('BERTH_') && !KNOWN_VARIABLES.includes(name))
    .sort()
    .map((name) => {
      let nearest: string | undefined;
      let best = Infinity;
      for (const known of KNOWN_VARIABLES) {
        const distance = editDistance(name, known);
        if (distance < best && distance <= Math.max(2, Math.floor((known.length - 'BERTH_'.length) / 3))) {
          best = distance;
          nearest = known;
        }
      }
      return { name, ...(nearest && { nearest }) };
    });
}

/** Names each mistake where the operator made it: the BERTH_* variable that set the key, else the file and key. */
function formatIssues(error: z.ZodError, source: string, fromEnv: Map<string, string>): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.join('.') || '(root)';
      const variable = [...fromEnv].find(([envKey]) => key === envKey || key.startsWith(`${envKey}.`))?.[1];
      return variable ? `${variable} (${key}): ${issue.message}` : `${source}: ${key}: ${issue.message}`;
    })
    .join('\n');
}

/**
 * Builds the effective configuration from berth.yml (if any) and BERTH_*
 * variables, validated once; any mistake names the offending key.
 */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): BerthConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.file ?? env.BERTH_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, 'berth.yml');
  let raw: Record<string, unknown> = {};
  if (explicit || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${file}: cannot read: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (error) {
      throw new ConfigError(`${file}: invalid YAML: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${file}: expected a mapping at the top level`);
    raw = parsed as Record<string, unknown>;
  }
  const fromEnv = new Map<string, string>();
  for (const [name, spec] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, spec.key, envValue(name, value, spec.type));
    fromEnv.set(spec.key.join('.'), name);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error, explicit || existsSync(file) ? file : 'configuration', fromEnv));
  const config = result.data;
  config.data_volume = resolve(cwd, config.data_volume);
  if (config.storage_service.filesystem?.rootdirectory) {
    config.storage_service.filesystem.rootdirectory = resolve(cwd, config.storage_service.filesystem.rootdirectory);
  }
  return config;
}
