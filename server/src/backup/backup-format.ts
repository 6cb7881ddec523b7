import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { StartupError } from '../startup.ts';
import type { Digest } from '../oci/digest.ts';

/**
 * A backup directory:
 *
 *   DIR/manifest.json                      the last complete backup, written last (temp name, fsync, rename)
 *   DIR/database/<id>/<table>.copy.gz      each table as PostgreSQL's COPY text, gzipped
 *   DIR/database/<id>/blobs.tsv.gz         the blobs the snapshot lists: "<digest>\t<size>" per line
 *   DIR/blobs/<algorithm>/<xx>/<encoded>   content-addressed bytes, shared by every backup in DIR
 *
 * A run killed before its manifest leaves the previous manifest (and the
 * files it names) as they were: DIR then restores the previous backup, or
 * nothing when there was none.
 */
export const MANIFEST = 'manifest.json';
export const FORMAT = 1;

export interface TableDump {
  name: string;
  /** Relative to DIR. */
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof FORMAT;
  id: string;
  started_at: string;
  finished_at: string;
  berth_version: string;
  /** The migrations applied to the database at the snapshot, in order: its schema. */
  schema: string[];
  /** The storage driver the blobs were read from. */
  storage: string;
  tables: TableDump[];
  blobs: { file: string; sha256: string; count: number; bytes: number };
  /** What this run copied; the rest was in DIR already. */
  copied: { blobs: number; bytes: number };
}

/** A refusal or a failure the operator acts on: printed as one line, exit 1. */
export class BackupError extends StartupError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackupError';
  }
}

export function blobFile(dir: string, digest: Digest): string {
  return join(dir, 'blobs', digest.algorithm, digest.encoded.slice(0, 2), digest.encoded);
}

/** Reads DIR's manifest; a directory without one holds no complete backup. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) {
    const partial = existsSync(join(dir, 'database')) || existsSync(join(dir, 'blobs'));
    throw new BackupError(
      partial ? `${dir} holds no complete backup: ${MANIFEST} is missing, so the backup written there was interrupted` : `${dir} holds no backup (no ${MANIFEST})`,
    );
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
  } catch (error) {
    throw new BackupError(`${path} is not a backup manifest: ${(error as Error).message}`, { cause: error });
  }
  if (manifest.format !== FORMAT) throw new BackupError(`${path}: backup format ${String(manifest.format)} is not one this Berth reads (${FORMAT})`);
  return manifest;
}

/** Writes a file atomically: a temporary name beside it, fsync, rename, fsync of the directory. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Passes bytes through while hashing and counting them. */
export class Hashing extends Transform {
  readonly #hash;
  bytes = 0;

  constructor(algorithm = 'sha256') {
    super();
    this.#hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.#hash.digest('hex');
  }
}

/** The sha256 (hex) and size of a file, streamed. */
export async function hashFile(path: string, algorithm = 'sha256'): Promise<{ hex: string; bytes: number }> {
  const hash = createHash(algorithm);
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), bytes };
}

/** A temporary file beside `path` that becomes `path` when committed (fsync, rename), or goes when discarded. */
export async function temporaryBeside(path: string): Promise<{ path: string; commit(): Promise<void>; discard(): Promise<void> }> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  return {
    path: temporary,
    commit: async () => {
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    },
    discard: async () => rm(temporary, { force: true }),
  };
}
