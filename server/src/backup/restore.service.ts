import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { migrateTo, migrateToLatest, type Db } from '../db/database.ts';
import { KNOWN_MIGRATIONS } from '../db/schema-compatibility.ts';
import type { JobsStore } from '../jobs/jobs.store.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { blobPath } from '../storage/paths.ts';
import { PathNotFoundError, type StorageDriver } from '../storage/storage-driver.ts';
import { BackupError, blobFile, Hashing, hashFile, readManifest, type BackupManifest } from './backup-format.ts';
import { blobList, forEachLimit } from './backup.service.ts';
import { BackupStore, loadOrder } from './backup.store.ts';

const COPIES_IN_FLIGHT = 4;

export interface RestoreHooks {
  log?(line: string): void;
}

/**
 * berth restore --verify: every file the manifest names against its sha256,
 * every blob against its digest and size, nothing written. The problems
 * found, one line each naming the file; none means the backup is whole.
 */
export async function verifyBackup(dir: string, hooks: RestoreHooks = {}): Promise<string[]> {
  const manifest = await readManifest(dir);
  const problems: string[] = [];
  const checkFile = async ({ file, sha256 }: { file: string; sha256: string }) => {
    const actual = await hashFile(join(dir, file)).catch((error: Error) => ({ hex: `unreadable (${error.message})`, bytes: 0 }));
    if (actual.hex !== sha256) problems.push(`${join(dir, file)}: sha256 ${actual.hex}, the manifest says ${sha256}`);
    return actual.hex === sha256;
  };
  for (const table of manifest.tables) await checkFile(table);
  // Without an intact list there is no telling which blobs belong to the backup.
  if (!(await checkFile(manifest.blobs))) return problems;
  let count = 0;
  await forEachLimit(blobList(join(dir, manifest.blobs.file)), COPIES_IN_FLIGHT, async ({ digest, size }) => {
    count++;
    const path = blobFile(dir, digest);
    const actual = await hashFile(path, digest.algorithm).catch(() => undefined);
    if (!actual) problems.push(`${path}: missing (blob ${digest.value})`);
    else if (actual.hex !== digest.encoded || actual.bytes !== size) problems.push(`${path}: ${actual.bytes} bytes hashing to ${digest.algorithm}:${actual.hex}, expected ${size} bytes of ${digest.value}`);
  });
  if (count !== manifest.blobs.count) problems.push(`${join(dir, manifest.blobs.file)}: lists ${count} blobs, the manifest says ${manifest.blobs.count}`);
  hooks.log?.(`${manifest.tables.length} table files and ${count} blobs checked: ${problems.length === 0 ? 'all intact' : `${problems.length} problems`}`);
  return problems;
}

/**
 * berth restore: a backup into an empty installation (no table in the
 * database, nothing in storage). The schema is migrated to the backup's,
 * the tables loaded in one transaction (each file checked against its
 * sha256 as it streams in, sequences set past the loaded ids), every blob
 * copied to storage checked against its digest, then the schema migrated to
 * this binary's latest and the registry set read-only, so it starts serving
 * pulls only until an administrator turns read_only off.
 */
export class RestoreService {
  readonly #db: Db;
  readonly #store: BackupStore;
  readonly #storage: StorageDriver;
  readonly #settings: SettingsService;
  readonly #jobs: JobsStore;

  constructor(deps: { db: Db; store: BackupStore; storage: StorageDriver; settings: SettingsService; jobs: JobsStore }) {
    this.#jobs = deps.jobs;
    this.#db = deps.db;
    this.#store = deps.store;
    this.#storage = deps.storage;
    this.#settings = deps.settings;
  }

  async run(dir: string, hooks: RestoreHooks = {}): Promise<BackupManifest> {
    const log = (line: string) => hooks.log?.(line);
    const manifest = await readManifest(dir);
    const unknown = manifest.schema.filter((name) => !KNOWN_MIGRATIONS.includes(name));
    if (unknown.length > 0) {
      throw new BackupError(`the backup's schema is newer than this Berth knows (migration ${unknown[0]}; backup taken by Berth ${manifest.berth_version}): restore it with that version or later`);
    }
    const tablesInDatabase = await this.#store.countTables();
    if (tablesInDatabase > 0) throw new BackupError(`the database is not empty (${tablesInDatabase} tables): restore needs a database nothing was installed in`);
    for (const root of ['blobs', 'uploads']) {
      const listed = await this.#storage.list(root).catch((error: unknown) => {
        if (error instanceof PathNotFoundError) return [];
        throw error;
      });
      if (listed.length > 0) throw new BackupError(`the storage is not empty (${this.#storage.name}: ${root}/ has content): restore needs empty storage`);
    }
    log(`restoring backup ${manifest.id} (Berth ${manifest.berth_version}, ${manifest.tables.length} tables, ${manifest.blobs.count} blobs)`);

    const schema = manifest.schema.at(-1);
    if (schema) await migrateTo(this.#db, schema);
    await this.#loadTables(dir, manifest);
    log(`database: ${manifest.tables.reduce((sum, t) => sum + t.rows, 0)} rows loaded at schema ${schema ?? '(none)'}`);

    let bytes = 0;
    await forEachLimit(blobList(join(dir, manifest.blobs.file)), COPIES_IN_FLIGHT, async ({ digest, size }) => {
      const source = blobFile(dir, digest);
      const writer = await this.#storage.writer(blobPath(digest));
      const hashing = new Hashing(digest.algorithm);
      try {
        await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), hashing, async (chunks: AsyncIterable<Buffer>) => {
          for await (const chunk of chunks) await writer.write(chunk);
        });
        if (hashing.digest() !== digest.encoded || hashing.bytes !== size) throw new BackupError(`${source}: does not match blob ${digest.value} (${size} bytes); the backup is corrupt`);
        await writer.commit();
        bytes += size;
      } catch (error) {
        await writer.cancel();
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupError(`${source}: missing (blob ${digest.value}); the backup is incomplete`, { cause: error });
        throw error;
      }
    });
    log(`blobs: ${manifest.blobs.count} copied to storage (${bytes} bytes), each verified`);

    const applied = await migrateToLatest(this.#db);
    if (applied.length > 0) log(`migrated to this Berth's schema: ${applied.join(', ')}`);
    // The job service's queue (pg-boss's own schema) is not in a backup: what was pending or running then will never run here.
    const unfinished = await this.#jobs.unfinishedTasks(this.#db);
    for (const task of unfinished) {
      await this.#db.transaction().execute(async (trx) => {
        if (await this.#jobs.finishTask(trx, task.id, 'Error', 'interrupted: the installation was restored from a backup taken while this task was pending or running', 1)) {
          await this.#jobs.refreshExecution(trx, task.executionId);
        }
      });
    }
    if (unfinished.length > 0) log(`${unfinished.length} job tasks pending or running at the backup ended as Error`);
    await this.#settings.update({ read_only: true });
    log('read_only is on: the registry serves pulls only until a system administrator turns it off');
    return manifest;
  }

  async #loadTables(dir: string, manifest: BackupManifest): Promise<void> {
    const tables = await this.#store.tables();
    const dumps = new Map(manifest.tables.map((t) => [t.name, t]));
    const missing = manifest.tables.filter((t) => !tables.some((x) => x.name === t.name));
    if (missing.length > 0) throw new BackupError(`the backup has table ${missing[0]!.name}, which its schema does not create here`);
    await this.#store.begin();
    try {
      await this.#store.truncate(tables.map((t) => t.name));
      for (const name of loadOrder(tables)) {
        const dump = dumps.get(name);
        if (!dump) continue;
        const path = join(dir, dump.file);
        const hashing = new Hashing();
        const sink = this.#store.copyIn(name);
        await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hashing, createGunzip(), sink);
        if (hashing.digest() !== dump.sha256) throw new BackupError(`${path}: its sha256 is not the manifest's; the backup is corrupt`);
        if (sink.rowCount !== dump.rows) throw new BackupError(`${path}: ${sink.rowCount} rows, the manifest says ${dump.rows}`);
      }
      await this.#store.resetSequences();
      await this.#store.commit();
    } catch (error) {
      await this.#store.rollback().catch(() => undefined);
      throw error;
    }
  }
}
