import type { Readable } from 'node:stream';

/**
 * The byte-level storage contract every backend implements (in the style of
 * CNCF distribution's StorageDriver). It knows nothing of repositories,
 * digests or users: paths are '/'-separated, relative, and already validated
 * by the caller (see storage/paths.ts); a driver must still refuse any path
 * that is absolute or contains '.' / '..' segments, with InvalidPathError.
 *
 * Berth never appends to an object across requests: an upload that arrives in
 * several chunks is stored as one object per chunk and concatenated when it is
 * finished (see storage/blob-store.ts). That keeps the contract identical for
 * filesystems and for object stores, where "append" does not exist.
 */
export interface StorageDriver {
  /** Short name for logs and health output, e.g. "filesystem" or "s3". */
  readonly name: string;

  /** Whole content of a small object. Throws PathNotFoundError if absent. */
  getContent(path: string): Promise<Buffer>;

  /** Writes a small object atomically: readers see the old content or the new, never a part. */
  putContent(path: string, content: Buffer): Promise<void>;

  /**
   * A stream of the object's bytes from `offset` (default 0) for `length`
   * bytes (default: to the end). Throws PathNotFoundError if absent and
   * InvalidOffsetError if offset > size. Streams use ≥ 1 MiB buffers.
   */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;

  /**
   * Sends the object's bytes from `offset` for `length` bytes (default: to
   * the end) into `sink`, awaiting each write before its buffer is used
   * again — so a driver may recycle a few large buffers instead of
   * allocating one per chunk (the download hot path). Throws as reader()
   * does, before the first write, when the object or offset is invalid.
   */
  copyTo(path: string, sink: ByteSink, offset?: number, length?: number): Promise<void>;

  /**
   * Starts a new object at `path`. Nothing is visible at `path` until
   * commit() resolves; commit makes the whole object durable (fsync or a
   * completed multipart upload) and visible at once, replacing any object
   * already there. cancel() discards everything written. A process killed
   * before commit leaves at most invisible temporary data behind.
   */
  writer(path: string): Promise<FileWriter>;

  /** Size and modification time. Throws PathNotFoundError if absent. */
  stat(path: string): Promise<FileInfo>;

  /**
   * Direct children of a "directory" prefix, as full paths, sorted.
   * Throws PathNotFoundError if the prefix has no children.
   */
  list(path: string): Promise<string[]>;

  /** Moves an object, replacing any object at `dest`; atomic on filesystems. */
  move(source: string, dest: string): Promise<void>;

  /** Deletes an object or, recursively, everything under a prefix. Absent paths are not an error. */
  delete(path: string): Promise<void>;

  /**
   * A URL a client may fetch the object from directly (e.g. a pre-signed S3
   * URL), or undefined when the driver serves bytes itself.
   */
  redirectURL(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;

  /**
   * Total and free bytes of the volume the objects are stored on (for
   * Harbor's /systeminfo/volumes), or undefined where no such volume exists:
   * an object store has no fixed size.
   */
  capacity(): Promise<Capacity | undefined>;

  /**
   * Reclaims the invisible leftovers of writers that never committed or
   * cancelled (a killed process) and were started before `olderThan`.
   * Returns how many were removed.
   */
  purgeTemporary(olderThan: Date): Promise<number>;
}

export interface FileWriter {
  /**
   * Writes a chunk; resolves when the driver can take more (back-pressure).
   * Drivers copy what they keep, so the caller may reuse `chunk` as soon
   * as write() resolves, and a chunk's memory is never held past that.
   */
  write(chunk: Buffer): Promise<void>;
  /** Bytes written so far. */
  readonly size: number;
  /** Makes the object durable and visible at its path. */
  commit(): Promise<void>;
  /** Discards the object; safe to call after a failed write or twice. */
  cancel(): Promise<void>;
}

export interface ByteSink {
  /** Accepts a chunk; resolves once the chunk's memory may be reused. */
  write(chunk: Buffer): Promise<void>;
}

export interface Capacity {
  total: number;
  /** What Berth may still write: bytes available to unprivileged processes. */
  free: number;
}

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDir: boolean;
}

export class PathNotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`storage path not found: ${path}`);
    this.name = 'PathNotFoundError';
    this.path = path;
  }
}

export class InvalidPathError extends Error {
  constructor(path: string) {
    super(`invalid storage path: ${JSON.stringify(path)}`);
    this.name = 'InvalidPathError';
  }
}

export class InvalidOffsetError extends Error {
  constructor(path: string, offset: number) {
    super(`invalid offset ${offset} for ${path}`);
    this.name = 'InvalidOffsetError';
  }
}

/** Rejects absolute paths, empty segments and '.'/'..' so no path escapes the root. */
export function assertSafePath(path: string): void {
  if (path.length === 0 || path.startsWith('/') || path.endsWith('/') || path.includes('\0') || path.includes('\\')) {
    throw new InvalidPathError(path);
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') throw new InvalidPathError(path);
  }
}
