import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { parseDigest, type Digest } from '../oci/digest.ts';
import { isValidRepositoryName } from '../oci/names.ts';
import { BlobStore, BodyStalledError, type WrittenSegment } from '../storage/blob-store.ts';
import { isUploadId } from '../storage/paths.ts';
import type { ByteSink } from '../storage/storage-driver.ts';
import type { HashWorker, StreamHasher } from '../storage/parallel-hash.ts';
import { requireDeletesEnabled, requireDigest, requireName, type ContentOptions } from './content-rules.ts';
import type { ContentStore } from './content.store.ts';
import type { WriteGate } from './read-only.ts';
import type { QuotaLedger } from './quota-ledger.ts';
import type { RepositoriesService } from './repositories.service.ts';
import { UploadHashCache } from './upload-hash-cache.ts';

export interface BlobInfo {
  digest: string;
  size: number;
}

function requireUploadId(id: string): void {
  if (!isUploadId(id)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
}

function uploadUnknown(): BerthError {
  return new BerthError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
}

/**
 * Blobs and the uploads that make them: what may be uploaded, mounted, read
 * and unlinked, and in which order bytes and rows become visible.
 */
export class BlobsService {
  readonly #db: Db;
  readonly #store: ContentStore;
  readonly #blobs: BlobStore;
  readonly #options: ContentOptions;
  readonly #repositories: RepositoriesService;
  readonly #hashes = new UploadHashCache();
  readonly #hashing: HashWorker;
  readonly #quotas: QuotaLedger;
  readonly #log: Logger;
  readonly #gate: WriteGate;

  constructor(deps: { db: Db; store: ContentStore; blobs: BlobStore; hashing: HashWorker; quotas: QuotaLedger; repositories: RepositoriesService; options: ContentOptions; gate: WriteGate; log: Logger }) {
    this.#gate = deps.gate;
    this.#db = deps.db;
    this.#store = deps.store;
    this.#blobs = deps.blobs;
    this.#hashing = deps.hashing;
    this.#quotas = deps.quotas;
    this.#repositories = deps.repositories;
    this.#options = deps.options;
    this.#log = deps.log;
  }

  /** How long a request body (blob or manifest) may send nothing before it is ended; 0: never. */
  get uploadIdleTimeoutMs(): number {
    return this.#options.uploadIdleTimeoutMs;
  }

  // Blobs

  async statBlob(name: string, digestValue: string): Promise<BlobInfo> {
    const digest = requireDigest(digestValue);
    requireName(name);
    const blob = await this.#store.findLinkedBlob(this.#db, name, digest.value);
    if (!blob) throw new BerthError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: digest.value } });
    return { digest: digest.value, size: blob.size };
  }

  async copyBlob(digestValue: string, sink: ByteSink, offset?: number, length?: number): Promise<void> {
    await this.#blobs.copyBlob(requireDigest(digestValue), sink, offset, length);
  }

  async blobRedirectURL(digestValue: string, method: 'GET' | 'HEAD'): Promise<string | undefined> {
    return await this.#blobs.blobRedirectURL(requireDigest(digestValue), method);
  }

  async deleteBlob(name: string, digestValue: string): Promise<void> {
    await this.#gate.requireWritable();
    requireDeletesEnabled(this.#options);
    const digest = requireDigest(digestValue);
    const repositoryId = await this.#repositories.idOf(name);
    const removed = repositoryId && (await this.#store.unlinkBlob(this.#db, repositoryId, digest.value));
    if (!removed) throw new BerthError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: digest.value } });
  }

  // Uploads

  async startUpload(name: string): Promise<string> {
    await this.#gate.requireWritable();
    requireName(name);
    const repositoryId = await this.#repositories.ensure(name);
    const id = randomUUID();
    await this.#store.createUpload(this.#db, id, repositoryId);
    return id;
  }

  /**
   * Cross-repository mount: links a blob the caller can already read in
   * `from` without moving bytes. Returns false when `from` does not hold it,
   * and the caller falls back to a normal upload.
   */
  async mountBlob(name: string, from: string, digestValue: string): Promise<boolean> {
    await this.#gate.requireWritable();
    requireName(name);
    const digest = parseDigest(digestValue);
    if (!digest || !isValidRepositoryName(from)) return false;
    const sourceId = await this.#store.findRepositoryId(this.#db, from);
    if (!sourceId) return false;
    const targetId = await this.#repositories.ensure(name);
    return await this.#db.transaction().execute(async (trx) => {
      const linked = await this.#store.lockLinkedBlobsForShare(trx, sourceId, [digest.value]);
      const size = linked.get(digest.value);
      if (size === undefined) return false;
      // As Harbor: a mount that brings a blob new to the project must fit its quota.
      await this.#quotas.requireRoomForBlob(targetId, digest.value, size, trx);
      await this.#store.linkBlob(trx, targetId, digest.value);
      return true;
    });
  }

  /** POST ?digest=: the whole blob in one request, hashed while it is written. */
  async uploadMonolithic(name: string, digestValue: string, body: Readable): Promise<BlobInfo> {
    await this.#gate.requireWritable();
    const digest = requireDigest(digestValue);
    requireName(name);
    const repositoryId = await this.#repositories.ensure(name);
    const uploadId = randomUUID();
    const hasher = this.#hashing.create(digest.algorithm);
    try {
      const segment = await this.#writeSegment(uploadId, BlobStore.newSegmentName(0), body, [hasher]);
      const actual = await hasher.digest();
      if (actual !== digest.value) throw new BerthError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: digest.value, actual } });
      await this.#quotas.requireRoomForBlob(repositoryId, digest.value, segment.size);
      await this.#commitBlob(repositoryId, digest, segment.size, uploadId, [segment.name]);
      return { digest: digest.value, size: segment.size };
    } finally {
      hasher.dispose();
      await this.#blobs.deleteUpload(uploadId);
    }
  }

  /** A stalled body is the client's failure (408); the session, if any, keeps what it had and resumes from there. */
  async #writeSegment(uploadId: string, name: string, body: Readable, hashers: StreamHasher[]): Promise<WrittenSegment> {
    try {
      return await this.#blobs.writeSegment(uploadId, name, body, hashers, this.#options.uploadIdleTimeoutMs);
    } catch (error) {
      if (!(error instanceof BodyStalledError)) throw error;
      throw new BerthError('BLOB_UPLOAD_INVALID', `the upload body sent nothing for ${error.idleMs / 1000} s; the chunk was discarded, resume from the upload's current range`, { status: 408 });
    }
  }

  async uploadStatus(name: string, uploadId: string): Promise<number> {
    requireUploadId(uploadId);
    const repositoryId = await this.#repositories.idOf(name);
    const upload = repositoryId && (await this.#store.findUpload(this.#db, uploadId, repositoryId));
    if (!upload) throw uploadUnknown();
    return upload.size;
  }

  /**
   * PATCH: appends one chunk. `start` (from Content-Range) must equal the
   * bytes received so far, else 416 with the current range. The chunk is
   * written as its own segment and recorded only if no other request
   * extended the upload meanwhile, so two replicas cannot interleave bytes.
   */
  async appendChunk(name: string, uploadId: string, body: Readable, range?: { start: number; end: number }): Promise<number> {
    await this.#gate.requireWritable();
    requireUploadId(uploadId);
    const repositoryId = await this.#repositories.idOf(name);
    const upload = repositoryId && (await this.#store.findUpload(this.#db, uploadId, repositoryId));
    if (!upload) throw uploadUnknown();
    if (range && range.start !== upload.size) throw rangeNotSatisfiable(name, uploadId, upload.size);
    const hasher = this.#hashes.take(uploadId, upload.size) ?? (upload.size === 0 ? this.#hashing.create() : undefined);
    let segment;
    try {
      segment = await this.#writeSegment(uploadId, BlobStore.newSegmentName(upload.segments.length), body, hasher ? [hasher] : []);
    } catch (error) {
      hasher?.dispose();
      throw error;
    }
    const cleanup = async () => {
      await this.#blobs.deleteSegment(uploadId, segment.name);
    };
    if (range && range.end - range.start + 1 !== segment.size) {
      hasher?.dispose();
      await cleanup();
      throw new BerthError('BLOB_UPLOAD_INVALID', `Content-Range ${range.start}-${range.end} does not match the ${segment.size} bytes sent`, { status: 416 });
    }
    if (segment.size === 0) {
      await cleanup();
      if (hasher) this.#hashes.put(uploadId, upload.size, hasher);
      return upload.size;
    }
    if (!(await this.#store.appendSegment(this.#db, uploadId, upload.size, segment.name, segment.size))) {
      hasher?.dispose();
      await cleanup();
      const current = await this.#store.findUpload(this.#db, uploadId, repositoryId);
      if (!current) throw uploadUnknown();
      throw rangeNotSatisfiable(name, uploadId, current.size);
    }
    const size = upload.size + segment.size;
    if (hasher) this.#hashes.put(uploadId, size, hasher);
    return size;
  }

  /** PUT ?digest=: optional last chunk, then verify the digest and make the blob visible. */
  async completeUpload(name: string, uploadId: string, digestValue: string, body: Readable | undefined): Promise<BlobInfo> {
    await this.#gate.requireWritable();
    requireUploadId(uploadId);
    const digest = requireDigest(digestValue);
    if (body) await this.appendChunk(name, uploadId, body);
    const repositoryId = await this.#repositories.idOf(name);
    const upload = repositoryId ? await this.#store.findUpload(this.#db, uploadId, repositoryId) : undefined;
    if (!repositoryId || !upload) throw uploadUnknown();
    const size = upload.size;
    const cached = this.#hashes.take(uploadId, size);
    if (cached && cached.algorithm !== digest.algorithm) cached.dispose();
    const actual =
      cached && cached.algorithm === digest.algorithm
        ? await cached.digest()
        : await this.#blobs.hashSegments(uploadId, upload.segments, digest.algorithm);
    if (actual !== digest.value) {
      await this.cancelUpload(name, uploadId);
      throw new BerthError('DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: { expected: digest.value, actual } });
    }
    try {
      await this.#quotas.requireRoomForBlob(repositoryId, digest.value, size);
    } catch (error) {
      // Refused bytes are not kept: the upload ends here, as after a digest mismatch.
      await this.cancelUpload(name, uploadId);
      throw error;
    }
    await this.#commitBlob(repositoryId, digest, size, uploadId, upload.segments);
    await this.#blobs.deleteUpload(uploadId);
    return { digest: digest.value, size };
  }

  async cancelUpload(name: string, uploadId: string): Promise<void> {
    await this.#gate.requireWritable();
    requireUploadId(uploadId);
    const repositoryId = await this.#repositories.idOf(name);
    const upload = repositoryId && (await this.#store.findUpload(this.#db, uploadId, repositoryId));
    if (!upload) throw uploadUnknown();
    this.#hashes.delete(uploadId);
    await this.#store.deleteUploadRow(this.#db, uploadId);
    await this.#blobs.deleteUpload(uploadId);
  }

  /**
   * Makes verified bytes visible: under the digest's advisory lock and the
   * blob row's FOR UPDATE lock, place the bytes (unless a live row says they
   * are already there), then insert or revive the row and link it. Bytes and
   * row change together, so a live row always has its bytes; a crash between
   * the two leaves only unreferenced bytes for garbage collection.
   */
  async #commitBlob(repositoryId: string, digest: Digest, size: number, uploadId: string, segments: string[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await this.#store.lockDigest(trx, digest.value);
      const existing = await this.#store.findBlobForUpdate(trx, digest.value);
      if (existing?.state !== 'live') await this.#blobs.placeUpload(uploadId, segments, digest);
      await this.#store.upsertLiveBlob(trx, digest.value, size);
      await this.#store.linkBlob(trx, repositoryId, digest.value);
      await this.#store.deleteUploadRow(trx, uploadId);
    });
  }

  /** Removes upload sessions idle for longer than `maxAgeMs`, and storage left by uploads that never got a row. */
  async purgeUploads(maxAgeMs: number): Promise<number> {
    let purged = (await this.expireUploads(maxAgeMs)).length;
    purged += await this.#blobs.purgeTemporary(new Date(Date.now() - maxAgeMs));
    if (purged > 0) this.#log.info({ purged }, 'purged abandoned uploads');
    return purged;
  }

  /**
   * Upload sessions idle for longer than `maxAgeMs`, and upload areas in
   * storage that no session owns and nobody wrote to for as long: removed
   * (unless `dryRun`) and returned by id.
   */
  async expireUploads(maxAgeMs: number, dryRun = false): Promise<string[]> {
    const cutoff = new Date(Date.now() - maxAgeMs);
    const expired = new Set<string>();
    for (const id of await this.#store.findUploadsIdleSince(this.#db, cutoff)) {
      if (dryRun) expired.add(id);
      else if (await this.#store.deleteUploadRow(this.#db, id)) {
        this.#hashes.delete(id);
        await this.#blobs.deleteUpload(id);
        expired.add(id);
      }
    }
    for (const { id, modTime } of await this.#blobs.listUploads()) {
      if ((modTime && modTime > cutoff) || expired.has(id)) continue;
      if (await this.#store.uploadExists(this.#db, id)) continue;
      if (!dryRun) await this.#blobs.deleteUpload(id);
      expired.add(id);
    }
    return [...expired];
  }
}

function rangeNotSatisfiable(name: string, uploadId: string, size: number): BerthError {
  return new BerthError('RANGE_INVALID', 'requested range not satisfiable: chunks must be sent in order', {
    headers: { Location: `/v2/${name}/blobs/uploads/${uploadId}`, Range: `0-${Math.max(size - 1, 0)}`, 'Docker-Upload-UUID': uploadId },
  });
}
