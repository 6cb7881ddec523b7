import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { parseDigest, type Digest } from '../oci/digest.ts';
import { blobPath } from '../storage/paths.ts';
import type { StorageDriver } from '../storage/storage-driver.ts';
import { PathNotFoundError } from '../storage/storage-driver.ts';
import { BERTH_VERSION } from '../version.ts';
import { BackupError, blobFile, FORMAT, Hashing, MANIFEST, syncDirectory, temporaryBeside, writeAtomically, type BackupManifest, type TableDump } from './backup-format.ts';
import type { BackupStore } from './backup.store.ts';

/**
 * Tables whose rows are not backed up: an upload session's bytes are
 * segments in storage a backup does not copy, so its rows would point at
 * nothing; clients start such uploads again.
 */
export const NOT_BACKED_UP = new Set(['upload']);

/** Blobs copied at once: storage reads overlap (an object store's latency), memory stays a few buffers each. */
const COPIES_IN_FLIGHT = 4;

export interface BackupHooks {
  /** One line per step, for the command's output. */
  log?(line: string): void;
  /** After the snapshot, before any blob is copied (garbage collection may run meanwhile: the fence holds its sweeps). */
  afterSnapshot?(): Promise<void>;
}

/**
 * berth backup: while Berth serves, one REPEATABLE READ snapshot of every
 * table (COPY, gzipped, checksummed) and the list of blobs it relies on;
 * then those blobs copied from storage into DIR's content-addressed store,
 * skipping what an earlier backup put there, each verified against its
 * digest while it streams; the manifest last. The backup fence keeps garbage
 * collection from deleting bytes from before the snapshot until the copy
 * ends (db/advisory-locks.ts).
 */
export class BackupService {
  readonly #store: BackupStore;
  readonly #storage: StorageDriver;

  constructor(deps: { store: BackupStore; storage: StorageDriver }) {
    this.#store = deps.store;
    this.#storage = deps.storage;
  }

  async run(dir: string, hooks: BackupHooks = {}): Promise<BackupManifest> {
    const log = (line: string) => hooks.log?.(line);
    if ((await this.#store.countTables()) === 0) throw new BackupError('the database holds no Berth installation (no tables): nothing to back up');
    const startedAt = new Date();
    const id = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const databaseDir = join('database', id);
    await mkdir(join(dir, databaseDir), { recursive: true });
    await mkdir(join(dir, 'blobs'), { recursive: true });

    await this.#store.holdBackupFence();
    try {
      await this.#store.beginSnapshot();
      let schema: string[];
      const tables: TableDump[] = [];
      let blobs: BackupManifest['blobs'];
      try {
        schema = await this.#store.appliedMigrations();
        for (const { name } of await this.#store.tables()) {
          if (NOT_BACKED_UP.has(name)) continue;
          const file = join(databaseDir, `${name}.copy.gz`);
          const source = this.#store.copyOut(name);
          const written = await writeCompressed(source, join(dir, file));
          tables.push({ name, file, rows: source.rowCount, ...written });
        }
        const file = join(databaseDir, 'blobs.tsv.gz');
        const written = await writeCompressed(this.#store.copyOutLiveBlobs(), join(dir, file));
        blobs = { file, sha256: written.sha256, count: 0, bytes: 0 };
        await this.#store.commit();
      } catch (error) {
        await this.#store.rollback().catch(() => undefined);
        throw error;
      }
      log(`database: ${tables.length} tables, ${tables.reduce((sum, t) => sum + t.rows, 0)} rows, schema ${schema.at(-1) ?? '(none)'}`);
      await hooks.afterSnapshot?.();

      const copied = { blobs: 0, bytes: 0 };
      await forEachLimit(blobList(join(dir, blobs.file)), COPIES_IN_FLIGHT, async ({ digest, size }) => {
        blobs.count++;
        blobs.bytes += size;
        if (await this.#copyBlob(dir, digest, size)) {
          copied.blobs++;
          copied.bytes += size;
        }
      });
      log(`blobs: ${blobs.count} (${blobs.bytes} bytes), ${copied.blobs} copied (${copied.bytes} bytes), ${blobs.count - copied.blobs} already in ${dir}`);

      const manifest: BackupManifest = {
        format: FORMAT,
        id,
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
        berth_version: BERTH_VERSION,
        schema,
        storage: this.#storage.name,
        tables,
        blobs,
        copied,
      };
      await syncDirectory(join(dir, databaseDir));
      await writeAtomically(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    } finally {
      await this.#store.releaseBackupFence().catch(() => undefined);
    }
  }

  /** Copies one blob unless DIR has it already (same content address, same size); whether it copied. */
  async #copyBlob(dir: string, digest: Digest, size: number): Promise<boolean> {
    const target = blobFile(dir, digest);
    const present = await stat(target).catch(() => undefined);
    if (present?.size === size) return false;
    let source;
    try {
      source = await this.#storage.reader(blobPath(digest));
    } catch (error) {
      if (error instanceof PathNotFoundError) throw new BackupError(`blob ${digest.value} is in the database but not in storage; the installation needs repair before it can be backed up`, { cause: error });
      throw error;
    }
    const temporary = await temporaryBeside(target);
    const hashing = new Hashing(digest.algorithm);
    try {
      await pipeline(source, hashing, createWriteStream(temporary.path));
      const actual = hashing.digest();
      if (actual !== digest.encoded || hashing.bytes !== size) {
        throw new BackupError(`blob ${digest.value} in storage does not match its digest (read ${hashing.bytes} bytes hashing to ${digest.algorithm}:${actual}); the storage is corrupt`);
      }
      await temporary.commit();
      return true;
    } catch (error) {
      await temporary.discard();
      throw error;
    }
  }
}

/** Streams `source` through gzip into `path` (temporary name, then renamed), with the file's size and sha256. */
async function writeCompressed(source: NodeJS.ReadableStream, path: string): Promise<{ bytes: number; sha256: string }> {
  const temporary = await temporaryBeside(path);
  const hashing = new Hashing();
  try {
    await pipeline(source, createGzip(), hashing, createWriteStream(temporary.path));
    await temporary.commit();
  } catch (error) {
    await temporary.discard();
    throw error;
  }
  return { bytes: hashing.bytes, sha256: hashing.digest() };
}

/** The blob list a backup wrote, streamed. */
export async function* blobList(path: string): AsyncGenerator<{ digest: Digest; size: number }> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const [value, size] = line.split('\t');
    const digest = parseDigest(value ?? '');
    if (!digest || !/^\d+$/.test(size ?? '')) throw new BackupError(`${path}: not a blob list line: ${JSON.stringify(line.slice(0, 200))}`);
    yield { digest, size: Number(size) };
  }
}

/** Runs `work` on each item `source` yields, at most `limit` at a time, reading the source no faster than that. */
export async function forEachLimit<T>(source: AsyncIterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined) {
      const next = await iterator.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failed !== undefined) throw failed;
}
