import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BackupManifest } from '../../src/backup/backup-format.ts';
import { blobList } from '../../src/backup/backup.service.ts';
import { READ_ONLY_MESSAGE } from '../../src/content/read-only.ts';
import { startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';
import { blobOf, imageOf, makeLayer, type Image } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * berth backup and berth restore as an operator runs them: a backup taken
 * while `berth serve` takes pushes and `berth gc` collects, restored into an
 * empty database and data directory, served read-only with every artifact
 * of the snapshot pulling byte-identical; a killed backup refused; a second
 * backup copying only new blobs; a damaged blob caught by --verify.
 */
const LAUNCHER = new URL('../../bin/berth', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'berth-backup-e2e-'));
const cleanups: (() => Promise<void> | void)[] = [() => rmSync(scratch, { recursive: true, force: true })];

let source: BerthProcess;
let client: RegistryClient;
const pushed = new Map<string, Image>();
const backupDir = join(scratch, 'backup');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function berthCommand(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(LAUNCHER, args, { env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, BERTH_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

const berth = async (args: string[], env: Record<string, string> = source.env) => await berthCommand(args, env).done;

/** A fresh database and data directory, as a new installation has. */
async function emptyInstallation(): Promise<{ env: Record<string, string>; dataDir: string; databaseUrl: string }> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const dataDir = mkdtempSync(join(scratch, 'restored-'));
  return { dataDir, databaseUrl: database.url, env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: database.url, BERTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD } };
}

async function push(repository: string, tag: string, image: Image): Promise<void> {
  await client.pushImage(repository, tag, image);
  pushed.set(image.manifest.digest, image);
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;

async function listed(dir: string, manifest: BackupManifest): Promise<Map<string, number>> {
  const blobs = new Map<string, number>();
  for await (const { digest, size } of blobList(join(dir, manifest.blobs.file))) blobs.set(digest.value, size);
  return blobs;
}

const sha256 = (bytes: ArrayBuffer) => `sha256:${createHash('sha256').update(Buffer.from(bytes)).digest('hex')}`;

before(async () => {
  source = await startBerth();
  cleanups.push(() => source.destroy());
  client = new RegistryClient(source.url);
  await client.createProject('bk');
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('berth backup while the registry serves, then berth restore', () => {
  const before: Image[] = [];

  it('backs up while pushes and a garbage collection go on, and restores into an empty installation that serves every artifact read-only', async () => {
    const shared = await makeLayer(40_000, 'shared');
    for (let i = 0; i < 4; i++) {
      const image = imageOf([shared, await makeLayer(30_000 + i * 1000, `own-${i}`)], { created: `before-${i}` });
      await push('bk/app', `v${i}`, image);
      before.push(image);
    }
    // Garbage for the collection: two artifacts deleted before the backup starts.
    for (let i = 0; i < 2; i++) {
      const image = imageOf([await makeLayer(20_000, `gone-${i}`)], { created: `gone-${i}` });
      await client.pushImage('bk/gone', `g${i}`, image);
      assert.equal((await client.request('DELETE', `/v2/bk/gone/manifests/${image.manifest.digest}`)).status, 202);
    }

    let pushing = true;
    const pushes = (async () => {
      for (let i = 0; pushing; i++) await push('bk/live', `l${i}`, imageOf([shared, await makeLayer(8_000, `live-${i}`)], { created: `live-${i}` }));
    })();
    const gc = berth(['gc', '--time-window', '0', '--delete-untagged']);
    const backup = await berth(['backup', backupDir]);
    pushing = false;
    await pushes;
    const collected = await gc;
    assert.equal(collected.code, 0, collected.stderr);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backup \d{8}T\d{6}Z complete in .+: \d+ tables, \d+ blobs; copied \d+ blobs, \d+ bytes$/m);

    const target = await emptyInstallation();
    const restore = await berth(['restore', backupDir], target.env);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /read_only is on until a system administrator turns it off\n$/);

    const restored = await startBerth({ shareWith: { dataDir: target.dataDir, databaseUrl: target.databaseUrl, env: {} } as BerthProcess });
    cleanups.push(async () => void (await restored.stop()));
    const reader = new RegistryClient(restored.url);
    const info = (await (await reader.request('GET', '/api/v2.0/systeminfo')).json()) as { read_only: boolean };
    assert.equal(info.read_only, true);
    const refused = await reader.request('POST', '/v2/bk/app/blobs/uploads/');
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { errors: [{ code: 'DENIED', message: READ_ONLY_MESSAGE }] });

    // Every artifact the snapshot holds pulls: its manifest and each blob hash to their digests, and each is one that was pushed.
    const repositories = (await (await reader.request('GET', '/api/v2.0/projects/bk/repositories?page_size=100')).json()) as { name: string }[];
    let artifacts = 0;
    for (const { name } of repositories) {
      const list = (await (await reader.request('GET', `/api/v2.0/projects/bk/repositories/${name.slice(3)}/artifacts?page_size=100`)).json()) as { digest: string }[];
      for (const { digest } of list) {
        const image = pushed.get(digest);
        assert.ok(image, `${name}@${digest} was pushed`);
        const manifest = await reader.request('GET', `/v2/${name}/manifests/${digest}`, { headers: { accept: image.manifest.mediaType } });
        assert.equal(manifest.status, 200);
        assert.equal(sha256(await manifest.arrayBuffer()), digest);
        for (const blob of [image.config, ...image.layers]) {
          const response = await reader.request('GET', `/v2/${name}/blobs/${blob.digest}`);
          assert.equal(response.status, 200, `${name} ${blob.digest}`);
          assert.equal(sha256(await response.arrayBuffer()), blob.digest);
        }
        artifacts++;
      }
    }
    for (const [i, image] of before.entries()) {
      const tagged = await reader.request('HEAD', `/v2/bk/app/manifests/v${i}`, { headers: { accept: image.manifest.mediaType } });
      assert.equal(tagged.headers.get('docker-content-digest'), image.manifest.digest, `bk/app:v${i}`);
    }
    assert.ok(artifacts >= before.length);
    assert.equal((await reader.request('HEAD', '/v2/bk/gone/manifests/g0')).status, 404, 'deleted before the backup: not restored');

    const verify = await berth(['restore', '--verify', backupDir]);
    assert.deepEqual({ code: verify.code, stderr: verify.stderr }, { code: 0, stderr: '' });
    assert.match(verify.stdout, /table files and \d+ blobs checked: all intact\n$/);
  });

  it('copies only new blobs into the same directory the second time, and none the third', async () => {
    const first = readManifest(backupDir);
    const image = imageOf([await makeLayer(123_456, 'after-first')], { created: 'after-first' });
    await push('bk/app', 'new', image);
    const second = await berth(['backup', backupDir]);
    assert.equal(second.code, 0, second.stderr);
    const manifest = readManifest(backupDir);
    assert.notEqual(manifest.id, first.id);
    const before = await listed(backupDir, first);
    const now = await listed(backupDir, manifest);
    const fresh = [...now].filter(([digest]) => !before.has(digest));
    assert.ok(fresh.some(([digest]) => digest === image.layers[0]!.digest));
    assert.deepEqual(manifest.copied, { blobs: fresh.length, bytes: fresh.reduce((sum, [, size]) => sum + size, 0) });
    assert.ok(manifest.copied.bytes < manifest.blobs.bytes);
    assert.match(second.stdout, new RegExp(`copied ${manifest.copied.blobs} blobs, ${manifest.copied.bytes} bytes\\n$`));

    const third = await berth(['backup', backupDir]);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(readManifest(backupDir).copied, { blobs: 0, bytes: 0 });
    assert.match(third.stdout, /copied 0 blobs, 0 bytes\n$/);
  });

  it('catches a damaged blob with --verify, naming its file', async () => {
    const layer = pushed.get([...pushed.keys()].at(-1)!)!.layers[0]!;
    const file = join(backupDir, 'blobs', 'sha256', layer.digest.slice(7, 9), layer.digest.slice(7));
    const bytes = readFileSync(file);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(file, bytes);
    const verify = await berth(['restore', '--verify', backupDir]);
    assert.equal(verify.code, 1);
    assert.match(verify.stderr, new RegExp(`^berth restore --verify: ${file}: ${layer.size} bytes hashing to sha256:[0-9a-f]{64}, expected ${layer.size} bytes of ${layer.digest}\\n$`));
  });
});

describe('a backup that did not finish', () => {
  it('is refused by restore and by --verify: killed while it copies blobs', async () => {
    // A large blob (pushed alone: live, so backed up) keeps the copy busy long enough to be killed in it.
    await client.pushBlob('bk/big', blobOf(randomBytes(32 * 1024 * 1024), 'application/octet-stream'));
    const dir = join(scratch, 'killed');
    const backup = berthCommand(['backup', dir], source.env);
    const snapshot = () => existsSync(join(dir, 'database')) && readdirSync(join(dir, 'database')).some((id) => existsSync(join(dir, 'database', id, 'blobs.tsv.gz')));
    await waitUntil(async () => snapshot() || backup.child.exitCode !== null, 'the backup took its snapshot', 60_000);
    backup.child.kill('SIGKILL');
    await backup.done;
    assert.equal(existsSync(join(dir, 'manifest.json')), false, 'killed before its manifest');

    const target = await emptyInstallation();
    const message = `${dir} holds no complete backup: manifest.json is missing, so the backup written there was interrupted\n`;
    assert.deepEqual(await berth(['restore', dir], target.env), { code: 1, stdout: '', stderr: `berth restore: ${message}` });
    assert.deepEqual(await berth(['restore', '--verify', dir]), { code: 1, stdout: '', stderr: `berth restore --verify: ${message}` });
  });

  it('refuses a backup taken at a schema newer than this Berth knows', async () => {
    const dir = join(scratch, 'future');
    mkdirSync(dir);
    const manifest = readManifest(backupDir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, berth_version: '99.0.0', schema: [...manifest.schema, '9999-from-the-future'] }));
    const target = await emptyInstallation();
    assert.deepEqual(await berth(['restore', dir], target.env), {
      code: 1,
      stdout: '',
      stderr: "berth restore: the backup's schema is newer than this Berth knows (migration 9999-from-the-future; backup taken by Berth 99.0.0): restore it with that version or later\n",
    });
  });
});

/** Pushes one image, backs it up with `source`'s settings, restores it with `target`'s into an empty installation, and pulls it from there. */
async function roundTrip(sourceServer: BerthProcess, target: { env: Record<string, string>; dataDir: string; databaseUrl: string }, name: string): Promise<void> {
  const image = imageOf([await makeLayer(70_000, name)], { created: name });
  await new RegistryClient(sourceServer.url).pushImage(`bk/${name}`, 'v1', image);
  const dir = join(scratch, name);
  const backup = await berth(['backup', dir], sourceServer.env);
  assert.equal(backup.code, 0, backup.stderr);
  const restore = await berth(['restore', dir], target.env);
  assert.equal(restore.code, 0, restore.stderr);
  const restored = await startBerth({ shareWith: { dataDir: target.dataDir, databaseUrl: target.databaseUrl, env: target.env } as BerthProcess });
  cleanups.push(async () => void (await restored.stop()));
  const reader = new RegistryClient(restored.url);
  for (const blob of [image.config, ...image.layers]) {
    const response = await reader.request('GET', `/v2/bk/${name}/blobs/${blob.digest}`, {});
    assert.equal(response.status, 200);
    assert.equal(sha256(await response.arrayBuffer()), blob.digest);
  }
  const manifest = await reader.request('GET', `/v2/bk/${name}/manifests/v1`, { headers: { accept: image.manifest.mediaType } });
  assert.equal(sha256(await manifest.arrayBuffer()), image.manifest.digest);
}

describe('other installations', () => {
  it('backs up from S3 storage and restores into an empty S3 bucket', async () => {
    const servers = [await startS3Server({ bucket: 'source' }), await startS3Server({ bucket: 'target' })];
    cleanups.push(async () => void (await Promise.all(servers.map((s) => s.stop()))));
    const s3Env = (s3: S3Server) => ({ BERTH_STORAGE_S3_BUCKET: s3.bucket, BERTH_STORAGE_S3_REGIONENDPOINT: s3.endpoint, BERTH_STORAGE_S3_ACCESSKEY: s3.accessKeyId, BERTH_STORAGE_S3_SECRETKEY: s3.secretAccessKey });
    const onS3 = await startBerth({ env: s3Env(servers[0]!) });
    cleanups.push(() => onS3.destroy());
    await new RegistryClient(onS3.url).createProject('bk');
    const target = await emptyInstallation();
    await roundTrip(onS3, { ...target, env: { ...target.env, ...s3Env(servers[1]!) } }, 's3');
  });

  it('backs up a Berth serving from its embedded PostgreSQL through that server', async () => {
    // Directly under the temporary directory: as root the embedded server runs as `postgres`, which must traverse the path.
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-backup-embedded-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const embedded = await startBerth({ env: { BERTH_DATA_DIR: dataDir, BERTH_DATABASE_URL: '' } });
    cleanups.push(() => embedded.destroy());
    const image = imageOf([await makeLayer(50_000, 'embedded')], { created: 'embedded' });
    const registry = new RegistryClient(embedded.url);
    await registry.createProject('bk');
    await registry.pushImage('bk/embedded', 'v1', image);
    const dir = join(scratch, 'embedded');
    const backup = await berth(['backup', dir], embedded.env);
    assert.equal(backup.code, 0, backup.stderr);
    const manifest = readManifest(dir);
    const blobs = await listed(dir, manifest);
    for (const blob of [image.config, ...image.layers]) assert.equal(blobs.get(blob.digest), blob.size);
    assert.equal((await berth(['restore', '--verify', dir])).code, 0);
    assert.equal((await registry.request('GET', '/v2/bk/embedded/manifests/v1', { headers: { accept: image.manifest.mediaType } })).status, 200, 'the server went on serving');
  });
});

describe('berth backup and restore on the command line', () => {
  it('prints usage with --help and refuses a missing directory with the usage and exit code 2', async () => {
    assert.match((await berth(['restore', '--help'])).stdout, /^usage: berth restore \[--verify\] \[--config FILE\] DIR\n/);
    const refused = await berth(['backup']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^berth backup: expected one directory, got 0\n\nusage: berth backup \[--config FILE\] DIR\n/);
  });
});
