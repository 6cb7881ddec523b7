import type { Hash } from 'node:crypto';

/**
 * Running sha256 state of chunked uploads this process has seen, so that
 * finishing an upload does not re-read its bytes. Entries are keyed by upload
 * id *and* byte offset: a state is used only if it covers exactly the bytes
 * the database says the upload holds. When another replica took a chunk, or
 * after a restart, the offsets disagree and the upload is re-hashed from
 * storage instead — slower, never wrong.
 */
export class UploadHashCache {
  readonly #entries = new Map<string, { size: number; hasher: Hash }>();
  readonly #capacity: number;

  constructor(capacity = 1024) {
    this.#capacity = capacity;
  }

  /** Removes and returns the state for `uploadId` if it covers exactly `size` bytes. */
  take(uploadId: string, size: number): Hash | undefined {
    const entry = this.#entries.get(uploadId);
    this.#entries.delete(uploadId);
    return entry && entry.size === size ? entry.hasher : undefined;
  }

  put(uploadId: string, size: number, hasher: Hash): void {
    this.#entries.delete(uploadId);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(uploadId, { size, hasher });
  }

  delete(uploadId: string): void {
    this.#entries.delete(uploadId);
  }
}
