import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BERTH_VERSION } from './version.ts';

/** A command that starts Berth (main.ts). */
export interface Invocation {
  kind: 'run';
  command: 'serve' | 'migrate' | 'gc' | 'backup' | 'restore';
  configFile?: string;
  /** berth gc's options. */
  gc?: GcArguments;
  /** berth migrate --dry-run: list pending migrations, apply none. */
  dryRun?: boolean;
  /** berth backup's and berth restore's directory; --verify checks it instead of restoring. */
  backup?: { dir: string; verify: boolean };
}

export interface GcArguments {
  dryRun: boolean;
  deleteUntagged: boolean;
  timeWindowHours: number;
  workers: number;
  verbose: boolean;
}

/** What the command line asks for: a command to run, text to print, or a mistake to report with usage (exit 2). */
export type CommandLine =
  | Invocation
  | { kind: 'print'; text: string }
  | { kind: 'refuse'; text: string };

const CONFIG_HELP = `  --config FILE   read FILE instead of ./berth.yml (or set BERTH_CONFIG)`;
const HELP_HELP = `  -h, --help      show this text`;

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  help: string;
  positionals?: boolean;
}

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run the registry (applies migrations first)',
    usage: 'berth serve [--config FILE]',
    options: { config: { type: 'string' } },
    help: `Applies pending database migrations, creates the first admin on an empty
database, then serves the registry, the API and the portal until SIGTERM or SIGINT.

options:
${CONFIG_HELP}
${HELP_HELP}`,
  },
  migrate: {
    summary: 'apply database migrations and exit (--dry-run: list them)',
    usage: 'berth migrate [--dry-run] [--config FILE]',
    options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    help: `Applies pending database migrations and exits (replicas starting together apply each once).
Refuses, exit 1, a database whose schema needs a newer Berth; migrations of a newer
Berth that are expand-only are allowed (rolling upgrades: docs/upgrading.md).

options:
  --dry-run       list the pending migrations, each expand-only or breaking
                  (breaking: replicas of the older Berth must be stopped first);
                  change nothing
${CONFIG_HELP}
${HELP_HELP}`,
  },
  gc: {
    summary: 'collect garbage: unreferenced blobs, links and uploads, untagged artifacts on request',
    usage: 'berth gc [--dry-run] [--delete-untagged] [--time-window HOURS] [--workers N] [--verbose] [--config FILE]',
    options: {
      config: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'delete-untagged': { type: 'boolean' },
      'time-window': { type: 'string' },
      workers: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    },
    help: `Deletes what no artifact needs while the registry keeps serving (other Berth
processes may push and pull meanwhile): blobs no artifact references, repository
links no artifact of the repository needs, bytes in storage no row knows, upload
sessions idle for longer than storage_service.upload_purging.age. A run stopped or
killed anywhere is finished by the next. Shows a progress bar on a terminal, one
line per step otherwise; exits 1 when some bytes could not be deleted (the next
run retries them).

options:
  --dry-run            report what a run would delete; delete nothing
  --delete-untagged    also delete untagged artifacts (never an index's children,
                       nor accessories whose subject is still there)
  --time-window HOURS  keep what was touched within the last HOURS (default 2; 0 allowed)
  --workers N          sweep with N workers in parallel, 1 to 5 (default 1)
  -v, --verbose        print each deleted item
${CONFIG_HELP}
${HELP_HELP}`,
  },
  backup: {
    summary: 'back up the database and the blobs it references into DIR, while Berth serves',
    usage: 'berth backup [--config FILE] DIR',
    options: { config: { type: 'string' } },
    positionals: true,
    help: `Writes a consistent backup into DIR while the registry keeps serving: every
table from one database snapshot, the blobs that snapshot references (copied from
storage into DIR/blobs, content-addressed: blobs an earlier backup put in DIR are
not copied again), checksums of everything, and DIR/manifest.json last — a
directory without it holds an interrupted backup. Garbage collection deletes no
bytes while a backup copies. With the embedded PostgreSQL it reads the database
of the Berth serving the data volume, or starts the embedded server itself when
none runs. Exits 1 on failure. See docs/backup.md.

options:
${CONFIG_HELP}
${HELP_HELP}`,
  },
  restore: {
    summary: 'restore a backup into an empty installation (it starts read-only), or --verify it',
    usage: 'berth restore [--verify] [--config FILE] DIR',
    options: { config: { type: 'string' }, verify: { type: 'boolean' } },
    positionals: true,
    help: `Restores the backup in DIR into the configured database and storage, which must
be empty (no Berth must be running on them): migrates the schema to the backup's,
loads the tables, copies every blob verifying its digest, migrates to this
version's schema and turns read_only on — the registry serves pulls only until a
system administrator turns it off. Refuses a backup without its manifest
(interrupted) and one taken at a schema newer than this version knows. Exits 1
on failure. See docs/backup.md.

options:
  --verify        check every file's checksum and every blob's digest, restore
                  nothing; exit 0 when intact, 1 naming each damaged file
${CONFIG_HELP}
${HELP_HELP}`,
  },
  version: {
    summary: "print Berth's version",
    usage: 'berth version',
    options: {},
    help: `options:
${HELP_HELP}`,
  },
  help: {
    summary: "show this text, or a command's (berth help serve)",
    usage: 'berth help [COMMAND]',
    options: {},
    positionals: true,
    help: `options:
${HELP_HELP}`,
  },
};

export const USAGE = `usage: berth <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(9)}  ${command.summary}`)
  .join('\n')}

Without a command, berth runs serve. \`berth <command> --help\` describes each.
Configuration comes from berth.yml (or --config / BERTH_CONFIG) and BERTH_* variables.`;

function commandUsage(name: string): string {
  const command = COMMANDS[name]!;
  return `usage: ${command.usage}\n\n${command.help}`;
}

/** parseArgs follows the mistake with advice (how to pass a value starting with "-"); the mistake is its first sentence. */
function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? message : message.slice(0, end);
}

/**
 * Reads `berth <command> [options]` strictly: every command has --help, and an
 * unknown command, option or argument is refused with the usage rather than
 * ignored (an ignored --help would start a server).
 */
export function parseCommandLine(argv: string[]): CommandLine {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: 'run', command: 'serve' };
  if (first === '--help' || first === '-h') return argv.length === 1 ? { kind: 'print', text: USAGE } : { kind: 'refuse', text: `berth: --help takes no arguments\n\n${USAGE}` };
  if (first === '--version') return argv.length === 1 ? { kind: 'print', text: `berth ${BERTH_VERSION}` } : { kind: 'refuse', text: `berth: --version takes no arguments\n\n${USAGE}` };
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first]! : undefined;
  if (!command) {
    const what = first.startsWith('-') ? `expected a command before ${first}` : `unknown command ${JSON.stringify(first)}`;
    return { kind: 'refuse', text: `berth: ${what}\n\n${USAGE}` };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: command.positionals ?? false,
    });
  } catch (error) {
    return { kind: 'refuse', text: `berth ${first}: ${firstSentence((error as Error).message)}\n\n${commandUsage(first)}` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'print', text: commandUsage(first) };
  switch (first) {
    case 'version':
      return { kind: 'print', text: `berth ${BERTH_VERSION}` };
    case 'help': {
      if (positionals.length === 0) return { kind: 'print', text: USAGE };
      const [topic, ...extra] = positionals;
      if (extra.length > 0 || !Object.hasOwn(COMMANDS, topic!)) return { kind: 'refuse', text: `berth help: unknown command ${JSON.stringify(positionals.join(' '))}\n\n${USAGE}` };
      return { kind: 'print', text: commandUsage(topic!) };
    }
    case 'gc': {
      const timeWindow = values['time-window'] === undefined ? 2 : Number(values['time-window']);
      if (typeof values['time-window'] === 'string' && !(values['time-window'].trim() !== '' && Number.isFinite(timeWindow) && timeWindow >= 0)) {
        return { kind: 'refuse', text: `berth gc: --time-window must be a number of hours, 0 or more\n\n${commandUsage(first)}` };
      }
      const workers = values.workers === undefined ? 1 : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > 5) return { kind: 'refuse', text: `berth gc: --workers must be 1, 2, 3, 4 or 5\n\n${commandUsage(first)}` };
      const configFile = values.config;
      return {
        kind: 'run',
        command: 'gc',
        ...(typeof configFile === 'string' && { configFile }),
        gc: { dryRun: values['dry-run'] === true, deleteUntagged: values['delete-untagged'] === true, timeWindowHours: timeWindow, workers, verbose: values.verbose === true },
      };
    }
    case 'backup':
    case 'restore': {
      if (positionals.length !== 1) return { kind: 'refuse', text: `berth ${first}: expected one directory, got ${positionals.length}\n\n${commandUsage(first)}` };
      const configFile = values.config;
      return { kind: 'run', command: first, ...(typeof configFile === 'string' && { configFile }), backup: { dir: positionals[0]!, verify: values.verify === true } };
    }
    default: {
      const configFile = values.config;
      return { kind: 'run', command: first as 'serve' | 'migrate', ...(typeof configFile === 'string' && { configFile }), ...(values['dry-run'] === true && { dryRun: true }) };
    }
  }
}

/**
 * The entry point bin/berth runs. Help, version and refusals answer without
 * loading the server's modules (about a second of CPU).
 */
async function run(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv);
  if (commandLine.kind === 'print') {
    console.log(commandLine.text);
    return 0;
  }
  if (commandLine.kind === 'refuse') {
    console.error(commandLine.text);
    return 2;
  }
  const { main } = await import('./main.ts');
  return await main(commandLine);
}

if (import.meta.main) {
  run(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error: unknown) => {
      console.error('berth: fatal:', error);
      process.exit(1);
    },
  );
}
