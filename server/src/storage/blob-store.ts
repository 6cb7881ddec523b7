import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { newHasher, type Digest } from '../oci/digest.ts';
import { noteBodyBytes } from './body-garbage.ts';
import type { StreamHasher } from './parallel-hash.ts';
import { blobDir, blobPath, BLOBS_ROOT, digestOfBlobDir, uploadDir, uploadSegmentPath, UPLOADS_ROOT, isUploadId } from './paths.ts';
import { PathNotFoundError, type ByteSink, type FileInfo, type StorageDriver } from './storage-driver.ts';
import { IdleTimer } from '../net/idle-timer.ts';

/** Chunks of a request body (16–64 KiB each) that may wait for the writer and hashers before reading pauses. */
const CHUNKS_IN_FLIGHT = 16;

/** A request body that sent nothing for longer than allowed while Berth was ready to read it. */
export class BodyStalledError extends Error {
  readonly idleMs: number;
  constructor(idleMs: number) {
    super(`no data received for ${idleMs} ms`);
    this.name = 'BodyStalledError';
    this.idleMs = idleMs;
  }
}

export interface WrittenSegment {
  name: string;
  size: number;
}

/**
 * Registry-shaped operations on top of a StorageDriver: streaming upload
 * segments while hashing them, placing verified bytes at their content
 * address, and reading blobs back. No database, no permissions.
 */
export class BlobStore {
  readonly driver: StorageDriver;

  constructor(driver: StorageDriver) {
    this.driver = driver;
  }

  static newSegmentName(index: number): string {
    return `${String(index).padStart(6, '0')}-${randomBytes(8).toString('hex')}`;
  }

  /**
   * Streams `source` into a new segment of an upload, feeding every byte to
   * `hashers` (which digest on another thread) while the writer is still
   * busy with the previous chunk, so receiving, hashing and writing overlap.
   * Nothing is visible until the segment is complete and durable. A source
   * that sends nothing for `idleTimeoutMs` (0: no limit) while it is being
   * read fails with BodyStalledError and its partial segment is discarded;
   * time spent paused for the writer or hashers does not count against it.
   */
  async writeSegment(uploadId: string, name: string, source: Readable, hashers: StreamHasher[], idleTimeoutMs = 0): Promise<WrittenSegment> {
    const writer = await this.driver.writer(uploadSegmentPath(uploadId, name));
    let size = 0;
    let pending: Promise<void> = Promise.resolve();
    try {
      // 'data' events rather than for-await: the async iterator costs a few
      // promises per chunk, which shows on a 2-core machine where the client
      // competes for the same CPU. Chunks are written in order through the
      // `pending` chain; the request is paused only when CHUNKS_IN_FLIGHT of
      // them wait for the writer or a hasher. (Pausing after every chunk
      // stopped and restarted reading the socket thousands of times per layer.)
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        let waiting = 0;
        // Paused for the writer or hashers is Berth's wait, not the client's: disarmed meanwhile.
        const idle = new IdleTimer(idleTimeoutMs, () => fail(new BodyStalledError(idleTimeoutMs)));
        const fail = (error: unknown) => {
          if (failed) return;
          failed = true;
          idle.disarm();
          source.off('data', onData);
          reject(error);
        };
        const onData = (chunk: Buffer) => {
          idle.touch();
          size += chunk.length;
          noteBodyBytes(chunk.length);
          const hashed = hashers.map((hasher) => hasher.update(chunk));
          const previous = pending;
          pending = Promise.all([previous.then(() => writer.write(chunk)), ...hashed]).then(() => {
            waiting--;
            if (waiting < CHUNKS_IN_FLIGHT / 2 && source.isPaused()) {
              source.resume();
              if (!failed) idle.arm();
            }
          });
          pending.catch(fail);
          if (++waiting >= CHUNKS_IN_FLIGHT) {
            source.pause();
            idle.disarm();
          }
        };
        source.on('data', onData);
        idle.arm();
        source.once('end', () => {
          idle.disarm();
          pending.then(() => resolve(), fail);
        });
        source.once('error', fail);
        source.once('close', () => {
          if (!source.readableEnded) fail(new Error('the request ended before its body was complete'));
        });
      });
      await writer.commit();
      return { name, size };
    } catch (error) {
      await pending.catch(() => undefined);
      await writer.cancel();
      throw error;
    }
  }

  /** Re-reads an upload's segments to compute its digest, for uploads whose hash state was not kept. */
  async hashSegments(uploadId: string, segments: string[], algorithm: Digest['algorithm']): Promise<string> {
    const hasher = newHasher(algorithm);
    for (const segment of segments) {
      for await (const chunk of await this.driver.reader(uploadSegmentPath(uploadId, segment))) hasher.update(chunk as Buffer);
    }
    return `${algorithm}:${hasher.digest('hex')}`;
  }

  /**
   * Puts an upload's bytes at the digest's content address. One segment is
   * moved (a rename on filesystems); several are concatenated into a new
   * object that becomes visible only when complete.
   */
  async placeUpload(uploadId: string, segments: string[], digest: Digest): Promise<void> {
    const target = blobPath(digest);
    if (segments.length === 1) {
      await this.driver.move(uploadSegmentPath(uploadId, segments[0]!), target);
      return;
    }
    const writer = await this.driver.writer(target);
    try {
      for (const segment of segments) {
        for await (const chunk of await this.driver.reader(uploadSegmentPath(uploadId, segment))) await writer.write(chunk as Buffer);
      }
      await writer.commit();
    } catch (error) {
      await writer.cancel();
      throw error;
    }
  }

  async deleteSegment(uploadId: string, name: string): Promise<void> {
    await this.driver.delete(uploadSegmentPath(uploadId, name));
  }

  async deleteUpload(uploadId: string): Promise<void> {
    await this.driver.delete(uploadDir(uploadId));
  }

  async purgeTemporary(olderThan: Date): Promise<number> {
    return await this.driver.purgeTemporary(olderThan);
  }

  /** Upload directories present in storage, with the newest modification time of their content. */
  async listUploads(): Promise<{ id: string; modTime: Date | undefined }[]> {
    const entries = await this.#listOrNone(UPLOADS_ROOT);
    const result: { id: string; modTime: Date | undefined }[] = [];
    for (const entry of entries) {
      const id = entry.slice(UPLOADS_ROOT.length + 1);
      if (!isUploadId(id)) continue;
      let modTime: Date | undefined;
      try {
        for (const child of await this.driver.list(entry)) {
          const info = await this.driver.stat(child);
          if (!modTime || info.modTime > modTime) modTime = info.modTime;
        }
      } catch (error) {
        if (!(error instanceof PathNotFoundError)) throw error;
      }
      result.push({ id, modTime });
    }
    return result;
  }

  async copyBlob(digest: Digest, sink: ByteSink, offset?: number, length?: number): Promise<void> {
    await this.driver.copyTo(blobPath(digest), sink, offset, length);
  }

  /** A small blob's bytes (configs, chart files), refusing anything over `limit` bytes. */
  async readBlob(digest: Digest, size: number, limit: number): Promise<Buffer> {
    if (size > limit) throw new Error(`blob ${digest.value} is larger than ${limit} bytes`);
    const chunks: Buffer[] = [];
    await this.driver.copyTo(blobPath(digest), { write: async (chunk: Buffer) => void chunks.push(Buffer.from(chunk)) }, 0, size);
    return Buffer.concat(chunks);
  }

  /** Removes a blob's bytes and their directory; absent bytes are not an error. */
  async deleteBlob(digest: Digest): Promise<void> {
    await this.driver.delete(blobDir(digest));
  }

  /** The blob's stored object, or undefined when nothing is at its content address. */
  async statBlob(digest: Digest): Promise<FileInfo | undefined> {
    try {
      return await this.driver.stat(blobPath(digest));
    } catch (error) {
      if (error instanceof PathNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * The digests with a directory at their content address, one prefix
   * directory (blobs/<algorithm>/<xx>) at a time, so a walk over millions of
   * blobs holds one directory's names at once.
   */
  async *storedBlobDigests(): AsyncGenerator<Digest[]> {
    for (const algorithm of await this.#listOrNone(BLOBS_ROOT)) {
      for (const prefix of await this.#listOrNone(algorithm)) {
        const digests = (await this.#listOrNone(prefix)).flatMap((dir) => digestOfBlobDir(dir) ?? []);
        if (digests.length > 0) yield digests;
      }
    }
  }

  async #listOrNone(path: string): Promise<string[]> {
    try {
      return await this.driver.list(path);
    } catch (error) {
      if (error instanceof PathNotFoundError) return [];
      throw error;
    }
  }

  async blobRedirectURL(digest: Digest, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return await this.driver.redirectURL(blobPath(digest), method);
  }
}
