import type { StreamHash } from '../storage/parallel-hash.ts';

/**
 * Running digests of chunked uploads this process has seen, so that
 * finishing an upload does not re-read its bytes. Entries are keyed by upload
 * id *and* byte offset: a digest is used only if it covers exactly the bytes
 * the database says the upload holds. When another replica took a chunk, or
 * after a restart, the offsets disagree and the upload is re-hashed from
 * storage instead — slower, never wrong. Dropped entries free their state
 * in the hash worker.
 */
export class UploadHashCache {
  readonly #entries = new Map<string, { size: number; hash: StreamHash }>();
  readonly #capacity: number;

  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  /** Removes and returns the digest for `uploadId` if it covers exactly `size` bytes. */
  take(uploadId: string, size: number): StreamHash | undefined {
    const entry = this.#entries.get(uploadId);
    if (!entry) return undefined;
    this.#entries.delete(uploadId);
    if (entry.size === size) return entry.hash;
    entry.hash.dispose();
    return undefined;
  }

  put(uploadId: string, size: number, hash: StreamHash): void {
    this.delete(uploadId);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.delete(oldest);
    }
    this.#entries.set(uploadId, { size, hash });
  }

  delete(uploadId: string): void {
    this.#entries.get(uploadId)?.hash.dispose();
    this.#entries.delete(uploadId);
  }
}
