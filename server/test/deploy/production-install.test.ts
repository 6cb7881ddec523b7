import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { freePort } from '../fixtures/berth-process.ts';
import { imageBlobs, makeImage, readOciLayout, writeOciLayout } from '../fixtures/image-builder.ts';

/**
 * What the container image does, without a container engine: the production install (`npm ci --omit=dev
 * --workspace server`, as the Dockerfile runs it) on a read-only, root-owned copy of the app, started as an
 * unprivileged user with HOME and TMPDIR unwritable, serves pushes and pulls with its embedded PostgreSQL,
 * writes nothing outside its data directory and exits 0 on SIGTERM.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const ADMIN_PASSWORD = 'Prod-Install-Pass-1';
const START_TIMEOUT_MS = 90_000;

/** path → type, size, mode, owner, mtime: any write into the tree changes it. */
function listing(root: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (path: string) => {
    const stat = lstatSync(path);
    entries.set(path, `${stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f'} ${stat.size} ${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ${stat.mtimeMs}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return entries;
}

/**
 * Entries the unprivileged user owns in the world-writable scratch directories: the only places outside its data
 * directory it can create a file in (it owns nothing else). /dev/shm holds the embedded PostgreSQL's shared memory
 * while it runs, which must be gone once it stopped.
 */
function ownedScratch(uid: number): string[] {
  return ['/tmp', '/var/tmp', '/dev/shm']
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)))
    .filter((path) => {
      try {
        return lstatSync(path).uid === uid;
      } catch {
        return false; // another process's file, removed meanwhile
      }
    })
    .sort();
}

function changes(before: Map<string, string>, afterwards: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [path, entry] of afterwards) if (before.get(path) !== entry) changed.push(`${before.has(path) ? 'changed' : 'created'} ${path}`);
  for (const path of before.keys()) if (!afterwards.has(path)) changed.push(`removed ${path}`);
  return changed;
}

const root = process.getuid?.() === 0;

describe('the production install on a read-only tree as an unprivileged user', { skip: root ? false : 'needs root: the app tree is made root-owned and Berth is started as nobody (setpriv)' }, () => {
  let work: string;
  let app: string;
  let data: string;
  let tools: ContainerTools;
  let uid: number;
  let gid: number;

  before(async () => {
    uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).trim());
    work = mkdtempSync(join(tmpdir(), 'berth-prod-'));
    chmodSync(work, 0o755);
    app = join(work, 'app');
    mkdirSync(app);
    // The files a build context holds: what git tracks (the working copy of each).
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(app, file), { recursive: true });
    // The node_modules of the checkout are reused from npm's cache when it has them (--prefer-offline).
    await run('npm', ['ci', '--omit=dev', '--workspace', 'server', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, NODE_ENV: 'production' } });
    // The portal as the Dockerfile's build stage makes it (the suite builds it already; this is quick when it did).
    execFileSync(process.execPath, [join(ROOT, 'portal', 'scripts', 'build-if-stale.ts')], { stdio: 'ignore' });
    cpSync(join(ROOT, 'portal', 'dist'), join(app, 'portal', 'dist'), { recursive: true });
    // As an image's layers are: owned by root, writable by nobody.
    execFileSync('chown', ['-R', '0:0', app]);
    execFileSync('chmod', ['-R', 'a-w', app]);
    data = join(work, 'data');
    mkdirSync(data, { mode: 0o700 });
    chownSync(data, uid, gid);
    tools = createContainerTools();
  });

  after(async () => {
    await tools?.destroy();
    if (work) {
      execFileSync('chmod', ['-R', 'u+w', work]);
      rmSync(work, { recursive: true, force: true });
    }
  });

  /** `berth serve` from the read-only tree as uid:gid, the way the image runs it (no HOME, TMPDIR unwritable). */
  const serveAs = (uid: number, gid: number, dataDir: string, port: number, scratch: string) => {
    const child: ChildProcess = spawn('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', join(app, 'server', 'bin', 'berth'), 'serve'], {
      cwd: app,
      env: {
        // The launcher finds no pinned Node in a --workspace server install: the image's Node (here this test's) on PATH.
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        NODE_ENV: 'production',
        HOME: '/nonexistent',
        TMPDIR: scratch,
        BERTH_DATA_DIR: dataDir,
        BERTH_HTTP_HOST: '127.0.0.1',
        BERTH_HTTP_PORT: String(port),
        BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
        BERTH_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output: () => text, exited };
  };

  it('serves a push and a pull, writes only under its data directory and exits 0 on SIGTERM', { timeout: 180_000 }, async () => {
    // TMPDIR exists but is root's: a write there fails instead of going unnoticed.
    const scratch = join(work, 'tmp');
    mkdirSync(scratch, { mode: 0o755 });
    const appBefore = listing(app);
    const scratchBefore = ownedScratch(uid);
    const port = await freePort();
    const { child, output, exited } = serveAs(uid, gid, data, port, scratch);
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        assert.equal(child.exitCode, null, `berth exited:\n${output()}`);
        assert.ok(Date.now() < deadline, `berth did not start within ${START_TIMEOUT_MS / 1000}s:\n${output()}`);
        const status = await fetch(`${base}/v2/`).then(
          (r) => r.arrayBuffer().then(() => r.status),
          () => 0,
        );
        if (status === 401) break;
        await new Promise((r) => setTimeout(r, 200));
      }

      const image = await makeImage({ layerSizes: [64 * 1024, 300 * 1024] });
      const layout = tools.tempDir('layout');
      writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
      const creds = `admin:${ADMIN_PASSWORD}`;
      await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://127.0.0.1:${port}/library/prod:v1`]);
      const back = tools.tempDir('back');
      await tools.skopeo(['copy', '-q', '--src-tls-verify=false', '--src-creds', creds, `docker://127.0.0.1:${port}/library/prod:v1`, `oci:${back}:v1`]);
      const pulled = readOciLayout(back);
      assert.equal(pulled.entry('v1')?.digest, image.manifest.digest);
      for (const layer of image.layers) assert.deepEqual(pulled.blob(layer.digest), layer.bytes);

      // The portal the build stage made is served from the read-only tree.
      const portal = await fetch(`${base}/`);
      assert.equal(portal.status, 200);
      assert.match(await portal.text(), /<div id="root">/);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output());

    assert.deepEqual(changes(appBefore, listing(app)), [], 'the app tree changed');
    assert.deepEqual(readdirSync(scratch), [], 'something was written to TMPDIR');
    assert.deepEqual(ownedScratch(uid).filter((path) => !scratchBefore.includes(path)), [], 'files were left in scratch directories');
    // What it wrote is all in the data directory: the embedded PostgreSQL, blobs, its lock is released.
    assert.ok(existsSync(join(data, 'postgres', 'PG_VERSION')));
    assert.ok(!readdirSync(data).some((name) => name.startsWith('initdb-')), 'initdb scratch left behind');
  });

  it('with the embedded PostgreSQL, a uid that has no passwd entry is refused at once with the way out', async () => {
    // A platform-assigned uid (OpenShift): the first one from 10002 that names no user here.
    let stranger = 10002;
    while (spawnSync('getent', ['passwd', String(stranger)]).status === 0) stranger++;
    const strangerData = join(work, 'stranger-data');
    mkdirSync(strangerData, { mode: 0o700 });
    chownSync(strangerData, stranger, stranger);
    const scratch = join(work, 'stranger-tmp');
    mkdirSync(scratch, { mode: 0o755 });
    const { output, exited } = serveAs(stranger, stranger, strangerData, await freePort(), scratch);
    assert.equal(await exited, 1, output());
    assert.match(output(), new RegExp(`^berth: the embedded PostgreSQL cannot run as uid ${stranger}: the uid has no passwd entry, which initdb and postgres need; .* or set database.url to an external PostgreSQL\\n$`));
    assert.deepEqual(readdirSync(strangerData), []);
  });
});
