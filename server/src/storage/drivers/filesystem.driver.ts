import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, readlinkSync, type Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import {
  assertSafePath,
  InvalidOffsetError,
  InvalidPathError,
  PathNotFoundError,
  type ByteSink,
  type Capacity,
  type FileInfo,
  type FileWriter,
  type StorageDriver,
} from '../storage-driver.ts';
import { isAlive } from '../../processes.ts';

/**
 * Uncommitted writes live here, inside the root so that the final rename
 * stays on one filesystem and is therefore atomic. The name is reserved:
 * storage paths may not start with it.
 */
const TEMP_DIRECTORY = '.tmp';

/**
 * Who writes a temporary file, in its name: `<uuid>.<pid>.<process token>.<kernel>`.
 * Several replicas may share the storage (NFS, one volume for N processes),
 * so at start-up a process may only delete temporary files it can prove no
 * live writer owns. A pid says that only inside the pid namespace and boot
 * it came from: `kernel` is the boot id plus the pid namespace's inode, and
 * a file whose `kernel` matches ours belongs to a dead writer when its pid
 * is gone, or when the pid is our own but the token is not (a restarted
 * container is often pid 1 again). Files from other kernels (other hosts,
 * containers, boots) cannot be judged and are left to the age-based purge.
 */
const WRITER_TOKEN = randomBytes(4).toString('hex');
const TEMP_NAME = /^[0-9a-f-]{36}\.(\d+)\.([0-9a-f]{8})\.([0-9a-f-]+-\d+)$/;

function kernelIdentity(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    return /^[0-9a-f-]+$/.test(boot) && pidNamespace ? `${boot}-${pidNamespace}` : undefined;
  } catch {
    return undefined;
  }
}
const KERNEL = kernelIdentity();

/** Large sequential writes and reads keep syscalls few on the 1 GiB blob path. */
const IO_BUFFER_SIZE = 1024 * 1024;
const COPY_BUFFER_SIZE = 2 * 1024 * 1024;
const EARLY_FLUSH_BYTES = 32 * 1024 * 1024;
const WRITES_IN_FLIGHT = 4;
/** Enough for a few concurrent uploads; more are allocated when needed and left to the collector. */
const IDLE_WRITE_BUFFERS = 16;

export interface FilesystemDriverOptions {
  rootDirectory: string;
}

/** Stores each object as a plain file at `<root>/<path>`. */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  private readonly root: string;
  private readonly tempDirectory: string;

  constructor(options: FilesystemDriverOptions) {
    this.root = resolve(options.rootDirectory);
    this.tempDirectory = join(this.root, TEMP_DIRECTORY);
  }

  async getContent(path: string): Promise<Buffer> {
    const fullPath = this.resolve(path);
    try {
      return await readFile(fullPath);
    } catch (err) {
      throw notFoundOr(err, path);
    }
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const writer = await this.writer(path);
    try {
      await writer.write(content);
      await writer.commit();
    } catch (err) {
      await writer.cancel();
      throw err;
    }
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    const { handle, fullPath, end } = await this.openRange(path, offset, length);
    if (end === offset) {
      await handle.close();
      return emptyStream();
    }
    // Reusing the handle we stat'ed avoids a second open and a race with a concurrent move.
    return createReadStream(fullPath, { fd: handle, start: offset, end: end - 1, highWaterMark: IO_BUFFER_SIZE });
  }

  /** Opens an object for reading `length` bytes from `offset`, checking both; the caller closes the handle. */
  private async openRange(path: string, offset: number, length: number | undefined): Promise<{ handle: FileHandle; fullPath: string; end: number }> {
    const fullPath = this.resolve(path);
    assertValidRange(path, offset, length);
    let handle: FileHandle;
    try {
      handle = await open(fullPath, 'r');
    } catch (err) {
      throw notFoundOr(err, path);
    }
    try {
      const info = await handle.stat();
      // Opening a directory read-only succeeds on Linux; it is still no object.
      if (info.isDirectory()) throw new PathNotFoundError(path);
      if (offset > info.size) throw new InvalidOffsetError(path, offset);
      return { handle, fullPath, end: length === undefined ? info.size : Math.min(info.size, offset + length) };
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async copyTo(path: string, sink: ByteSink, offset = 0, length?: number): Promise<void> {
    const { handle, end } = await this.openRange(path, offset, length);
    try {
      // Two recycled buffers: one is read into while the other is being written.
      // Fresh buffers per chunk cost page faults and GC and halved download speed.
      const size = Math.min(COPY_BUFFER_SIZE, Math.max(end - offset, 1));
      const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
      let pendingWrite: Promise<void> = Promise.resolve();
      let position = offset;
      for (let turn = 0; position < end; turn ^= 1) {
        const buffer = buffers[turn]!;
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
        if (bytesRead === 0) throw new Error(`${path} shrank while being read`);
        position += bytesRead;
        await pendingWrite;
        pendingWrite = sink.write(buffer.subarray(0, bytesRead));
      }
      await pendingWrite;
    } finally {
      await handle.close();
    }
  }

  async writer(path: string): Promise<FileWriter> {
    const destination = this.resolve(path);
    await mkdir(this.tempDirectory, { recursive: true });
    const tempPath = join(this.tempDirectory, KERNEL ? `${randomUUID()}.${process.pid}.${WRITER_TOKEN}.${KERNEL}` : randomUUID());
    const handle = await open(tempPath, 'wx');
    return new FilesystemFileWriter(handle, tempPath, destination);
  }

  async stat(path: string): Promise<FileInfo> {
    const fullPath = this.resolve(path);
    try {
      const info = await stat(fullPath);
      const isDir = info.isDirectory();
      return { path, size: isDir ? 0 : info.size, modTime: info.mtime, isDir };
    } catch (err) {
      throw notFoundOr(err, path);
    }
  }

  async list(path: string): Promise<string[]> {
    const fullPath = this.resolve(path);
    let names: string[];
    try {
      names = await readdir(fullPath);
    } catch (err) {
      throw notFoundOr(err, path);
    }
    // An emptied directory is left behind by delete(); object stores have no such thing, so neither do we.
    if (names.length === 0) throw new PathNotFoundError(path);
    return names.map((name) => `${path}/${name}`).sort();
  }

  async move(source: string, dest: string): Promise<void> {
    const sourcePath = this.resolve(source);
    const destPath = this.resolve(dest);
    const destDir = dirname(destPath);
    const created = await mkdir(destDir, { recursive: true });
    try {
      await rename(sourcePath, destPath);
    } catch (err) {
      // The destination's parent exists by now, so ENOENT can only mean the source.
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? new PathNotFoundError(source) : err;
    }
    await syncDirectories(destDir, created);
  }

  async delete(path: string): Promise<void> {
    await removeTree(this.resolve(path));
  }

  /** Names in the temporary directory; none before the first write created it. */
  private async temporaryNames(): Promise<string[]> {
    try {
      return await readdir(this.tempDirectory);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async purgeTemporary(olderThan: Date): Promise<number> {
    let removed = 0;
    for (const name of await this.temporaryNames()) {
      const path = join(this.tempDirectory, name);
      try {
        if ((await stat(path)).mtime < olderThan) {
          await rm(path, { force: true });
          removed++;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }

  /**
   * Deletes the temporary files of writers that died on this kernel (see
   * WRITER_TOKEN), so the space a killed process held is back at the next
   * start rather than after the purge age. Returns how many were removed.
   */
  async reclaimDeadWriters(): Promise<number> {
    if (!KERNEL) return 0;
    let removed = 0;
    for (const name of await this.temporaryNames()) {
      const match = TEMP_NAME.exec(name);
      if (!match || match[3] !== KERNEL) continue;
      const pid = Number(match[1]);
      const dead = pid === process.pid ? match[2] !== WRITER_TOKEN : !isAlive(pid);
      if (!dead) continue;
      await rm(join(this.tempDirectory, name), { force: true });
      removed++;
    }
    return removed;
  }

  /** The file system holding the root, measured at the root or, before the first write creates it, its nearest existing ancestor. */
  async capacity(): Promise<Capacity> {
    let directory = this.root;
    for (;;) {
      try {
        const info = await statfs(directory);
        return { total: info.blocks * info.bsize, free: info.bavail * info.bsize };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(directory) === directory) throw err;
        directory = dirname(directory);
      }
    }
  }

  async redirectURL(path: string): Promise<string | undefined> {
    this.resolve(path);
    return undefined;
  }

  private resolve(path: string): string {
    assertSafePath(path);
    if (path === TEMP_DIRECTORY || path.startsWith(`${TEMP_DIRECTORY}/`)) throw new InvalidPathError(path);
    const fullPath = join(this.root, ...path.split('/'));
    // assertSafePath already forbids '..'; this guards against any future gap in it.
    if (!fullPath.startsWith(this.root + sep)) throw new InvalidPathError(path);
    return fullPath;
  }
}

/**
 * Deletes a file or a directory with everything in it; nothing there is not
 * an error. Garbage collection deletes millions of blob directories (one
 * file each): reading the directory's entries with their types and then
 * unlinking takes three calls each where fs.rm's walk takes six (it lstats
 * every entry and tries rmdir before it reads the directory).
 */
async function removeTree(fullPath: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(fullPath, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTDIR') throw err;
    await unlink(fullPath).catch(unlessMissing);
    return;
  }
  await Promise.all(entries.map((entry) => (entry.isDirectory() ? removeTree(join(fullPath, entry.name)) : unlink(join(fullPath, entry.name)).catch(unlessMissing))));
  try {
    await rmdir(fullPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    // Something was written into it meanwhile: the thorough walk takes that too.
    if (code === 'ENOTEMPTY' || code === 'EEXIST') await rm(fullPath, { recursive: true, force: true });
    else throw err;
  }
}

function unlessMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

class FilesystemFileWriter implements FileWriter {
  private readonly handle: FileHandle;
  private readonly tempPath: string;
  private readonly destination: string;
  /**
   * Chunks (HTTP delivers 16–64 KiB) are copied into a pooled 1 MiB buffer,
   * which is written with one positional write in the background once full,
   * while the next fills; at most WRITES_IN_FLIGHT are outstanding. So the
   * caller keeps receiving while the disk writes, each syscall carries 1 MiB,
   * and the caller's chunks die young: holding them until their write
   * finished moved them to the old generation, and freeing them took
   * mark-compact collections costing more CPU than hashing the same bytes.
   */
  private current: Buffer | undefined;
  private filled = 0;
  private readonly inFlight: Promise<void>[] = [];
  private writeError: unknown;
  private submitted = 0;
  private written = 0;
  private state: 'open' | 'committed' | 'cancelled' = 'open';
  private handleClosed = false;
  /** Bytes submitted when the last early flush started, and that flush. */
  private flushedAt = 0;
  private flushing: Promise<unknown> | undefined;

  constructor(handle: FileHandle, tempPath: string, destination: string) {
    this.handle = handle;
    this.tempPath = tempPath;
    this.destination = destination;
  }

  get size(): number {
    return this.written;
  }

  async write(chunk: Buffer): Promise<void> {
    this.assertOpen();
    if (this.writeError) throw this.writeError;
    let consumed = 0;
    while (consumed < chunk.length) {
      this.current ??= takeWriteBuffer();
      const copied = chunk.copy(this.current, this.filled, consumed);
      this.filled += copied;
      consumed += copied;
      this.written += copied;
      if (this.filled === this.current.length) await this.submit();
    }
  }

  /** Starts writing the filled buffer at its position; waits only when too many writes are outstanding. */
  private async submit(): Promise<void> {
    const buffer = this.current;
    if (!buffer || this.filled === 0) return;
    const position = this.submitted;
    const length = this.filled;
    this.submitted += length;
    this.current = undefined;
    this.filled = 0;
    const job = writeFully(this.handle, buffer.subarray(0, length), position).then(
      () => this.flushEarly(),
      (error: unknown) => {
        this.writeError ??= error;
      },
    );
    this.inFlight.push(job.finally(() => releaseWriteBuffer(buffer)));
    if (this.inFlight.length >= WRITES_IN_FLIGHT) await this.inFlight.shift();
  }

  private async drain(): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
  }

  /**
   * The kernel starts writing dirty pages back only past a share of RAM, so
   * a large blob would otherwise reach the disk all at once in commit's
   * fsync. An fdatasync in the background every EARLY_FLUSH_BYTES keeps the
   * disk busy while the upload is still arriving; commit then waits for far
   * less. At most one runs at a time; a failure surfaces in commit.
   */
  private flushEarly(): void {
    if (this.flushing || this.handleClosed || this.submitted - this.flushedAt < EARLY_FLUSH_BYTES) return;
    this.flushedAt = this.submitted;
    const flush = this.handle.datasync().then(
      () => {
        if (this.flushing === flush) this.flushing = undefined;
      },
      (error: unknown) => error,
    );
    this.flushing = flush;
  }

  async commit(): Promise<void> {
    this.assertOpen();
    await this.submit();
    await this.drain();
    if (this.writeError) throw this.writeError;
    const earlyFlushError = await this.flushing;
    if (earlyFlushError) throw earlyFlushError;
    await this.handle.sync();
    await this.closeHandle();
    const destDir = dirname(this.destination);
    const created = await mkdir(destDir, { recursive: true });
    await rename(this.tempPath, this.destination);
    this.state = 'committed';
    await syncDirectories(destDir, created);
  }

  async cancel(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'cancelled';
    await this.drain();
    if (this.current) releaseWriteBuffer(this.current);
    this.current = undefined;
    await this.flushing;
    await this.closeHandle().catch(() => {});
    await unlink(this.tempPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  private async closeHandle(): Promise<void> {
    if (this.handleClosed) return;
    this.handleClosed = true;
    await this.handle.close();
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error(`writer for ${this.destination} is already ${this.state}`);
  }
}

/** A write may take less than asked (e.g. on a nearly full disk); the rest must follow at the right position. */
async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  for (let offset = 0; offset < buffer.length; ) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** Write buffers no writer is using, kept for the next: a steady stream of uploads allocates none. */
const idleWriteBuffers: Buffer[] = [];

function takeWriteBuffer(): Buffer {
  return idleWriteBuffers.pop() ?? Buffer.allocUnsafeSlow(IO_BUFFER_SIZE);
}

function releaseWriteBuffer(buffer: Buffer): void {
  if (idleWriteBuffers.length < IDLE_WRITE_BUFFERS) idleWriteBuffers.push(buffer);
}

/**
 * Makes a rename into `directory` durable: fsyncs it and, when mkdir just
 * created it (or its ancestors from `firstCreated` down), each new directory's
 * parent too, since their entries are equally unsynced.
 */
async function syncDirectories(directory: string, firstCreated: string | undefined): Promise<void> {
  const directories = [directory];
  if (firstCreated !== undefined) {
    const stop = dirname(firstCreated);
    for (let current = directory; current !== stop && dirname(current) !== current; current = dirname(current)) {
      directories.push(dirname(current));
    }
  }
  for (const path of directories) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function assertValidRange(path: string, offset: number, length: number | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) throw new InvalidOffsetError(path, offset);
}

function notFoundOr(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? new PathNotFoundError(path) : err;
}

function emptyStream(): Readable {
  const stream = new PassThrough();
  stream.end();
  return stream;
}
