import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BerthError } from '../errors.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { digestOf, parseDigest, type Digest } from '../oci/digest.ts';
import { ManifestError, parseManifest, type ParsedManifest } from '../oci/manifest.ts';
import { artifactTypeOf, extraAttrsOf, hasDescriptiveConfig, type ArtifactType } from '../oci/artifact-type.ts';
import { InvalidOffsetError, PathNotFoundError } from '../storage/storage-driver.ts';
import { MediaType } from '../oci/media-types.ts';
import { isValidRepositoryName, isValidTag } from '../oci/names.ts';
import { BlobStore, BodyStalledError, type WrittenSegment } from '../storage/blob-store.ts';
import { isUploadId } from '../storage/paths.ts';
import type { ByteSink } from '../storage/storage-driver.ts';
import type { HashWorker, StreamHasher } from '../storage/parallel-hash.ts';
import type { RegistryStore, ReferrerRow } from './registry.store.ts';
import { UploadHashCache } from './upload-hash-cache.ts';
import { projectNameOf } from './registry-access.ts';
import type { Visibility } from '../projects/projects.store.ts';
import type { QuotaLedger } from '../quotas/quota-ledger.ts';

/** The spec's recommended minimum; larger manifests are refused with 413. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Configs larger than this are not read for extra_attrs (real ones are a few KiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Page size ceiling for tag and catalog listings, whatever `n` asks for. */
export const MAX_PAGE_SIZE = 1000;

export interface RegistryOptions {
  deleteEnabled: boolean;
  /** How long an upload body may send nothing before it is ended (0: never), so stalled clients free their connection. */
  uploadIdleTimeoutMs: number;
}

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  content: Buffer;
  subjectDigest: string | null;
}

export function requireName(name: string): void {
  if (!isValidRepositoryName(name)) throw new BerthError('NAME_INVALID', `invalid repository name ${JSON.stringify(name)}`);
}

export function requireDigest(value: string): Digest {
  const digest = parseDigest(value);
  if (!digest) throw new BerthError('DIGEST_INVALID', `invalid or unsupported digest ${JSON.stringify(value)}`);
  return digest;
}

function requireUploadId(id: string): void {
  if (!isUploadId(id)) throw new BerthError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
}

function uploadUnknown(): BerthError {
  return new BerthError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown');
}

/** The /v2 registry's rules: what may be pushed, read, mounted and deleted, and in which order things become visible. */
export class RegistryService {
  readonly #db: Db;
  readonly #store: RegistryStore;
  readonly #blobs: BlobStore;
  readonly #options: RegistryOptions;
  readonly #hashes = new UploadHashCache();
  readonly #hashing: HashWorker;
  readonly #quotas: QuotaLedger;
  readonly #log: Logger;

  constructor(db: Db, store: RegistryStore, blobs: BlobStore, hashing: HashWorker, quotas: QuotaLedger, options: RegistryOptions, log: Logger) {
    this.#db = db;
    this.#hashing = hashing;
    this.#quotas = quotas;
    this.#store = store;
    this.#blobs = blobs;
    this.#options = options;
    this.#log = log;
  }

  /** How long a request body (blob or manifest) may send nothing before it is ended; 0: never. */
  get uploadIdleTimeoutMs(): number {
    return this.#options.uploadIdleTimeoutMs;
  }

  async #repositoryId(name: string): Promise<string | undefined> {
    requireName(name);
    return await this.#store.findRepositoryId(this.#db, name);
  }

  /** Pushing creates the repository, but only inside an existing project (as in Harbor). */
  async #ensureRepository(name: string): Promise<string> {
    requireName(name);
    const projectName = projectNameOf(name);
    const id = projectName === undefined ? undefined : await this.#store.ensureRepository(this.#db, name, projectName);
    if (!id) throw new BerthError('NAME_UNKNOWN', `project ${projectName ?? name} not found; create it first`, { status: 404 });
    return id;
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
    this.#requireDeleteEnabled();
    const digest = requireDigest(digestValue);
    const repositoryId = await this.#repositoryId(name);
    const removed = repositoryId && (await this.#store.unlinkBlob(this.#db, repositoryId, digest.value));
    if (!removed) throw new BerthError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: digest.value } });
  }

  // Uploads

  async startUpload(name: string): Promise<string> {
    requireName(name);
    const repositoryId = await this.#ensureRepository(name);
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
    requireName(name);
    const digest = parseDigest(digestValue);
    if (!digest || !isValidRepositoryName(from)) return false;
    const sourceId = await this.#store.findRepositoryId(this.#db, from);
    if (!sourceId) return false;
    const targetId = await this.#ensureRepository(name);
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
    const digest = requireDigest(digestValue);
    requireName(name);
    const repositoryId = await this.#ensureRepository(name);
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
    const repositoryId = await this.#repositoryId(name);
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
    requireUploadId(uploadId);
    const repositoryId = await this.#repositoryId(name);
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
    requireUploadId(uploadId);
    const digest = requireDigest(digestValue);
    if (body) await this.appendChunk(name, uploadId, body);
    const repositoryId = await this.#repositoryId(name);
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
    requireUploadId(uploadId);
    const repositoryId = await this.#repositoryId(name);
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
    const cutoff = new Date(Date.now() - maxAgeMs);
    let purged = 0;
    for (const id of await this.#store.findUploadsIdleSince(this.#db, cutoff)) {
      if (await this.#store.deleteUploadRow(this.#db, id)) {
        this.#hashes.delete(id);
        await this.#blobs.deleteUpload(id);
        purged++;
      }
    }
    for (const { id, modTime } of await this.#blobs.listUploads()) {
      if (modTime && modTime > cutoff) continue;
      if (await this.#store.uploadExists(this.#db, id)) continue;
      await this.#blobs.deleteUpload(id);
      purged++;
    }
    purged += await this.#blobs.purgeTemporary(cutoff);
    if (purged > 0) this.#log.info({ purged }, 'purged abandoned uploads');
    return purged;
  }

  // Manifests

  async getManifest(name: string, reference: string): Promise<StoredManifest> {
    requireName(name);
    const isDigest = reference.includes(':');
    if (isDigest) requireDigest(reference);
    // A reference that cannot be a tag names nothing: 404, as clients probing for manifests expect.
    const row = isDigest
      ? await this.#store.findArtifactByDigest(this.#db, name, reference)
      : isValidTag(reference) && (await this.#store.findArtifactByTag(this.#db, name, reference));
    if (!row) throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
    return { digest: row.digest, mediaType: row.mediaType, content: row.content, subjectDigest: row.subjectDigest };
  }

  async putManifest(name: string, reference: string, contentType: string | undefined, body: Buffer): Promise<{ digest: string; subject?: string }> {
    requireName(name);
    const byDigest = reference.includes(':');
    const referenceDigest = byDigest ? requireDigest(reference) : undefined;
    if (!byDigest && !isValidTag(reference)) throw new BerthError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(reference)}`);
    if (body.length > MAX_MANIFEST_BYTES) throw new BerthError('MANIFEST_TOO_LARGE', `manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, { status: 413 });
    let manifest;
    try {
      manifest = parseManifest(body, contentType);
    } catch (error) {
      if (error instanceof ManifestError) throw new BerthError('MANIFEST_INVALID', error.message);
      throw error;
    }
    const digest = digestOf(body, referenceDigest?.algorithm ?? 'sha256');
    if (referenceDigest && digest !== referenceDigest.value) {
      throw new BerthError('DIGEST_INVALID', 'manifest digest does not match the reference', { detail: { expected: referenceDigest.value, actual: digest } });
    }
    const repositoryId = await this.#ensureRepository(name);
    const type = artifactTypeOf(manifest);
    const extraAttrs = await this.#readExtraAttrs(type, manifest);
    const blobDigests = [...new Set(manifest.blobs.map((d) => d.digest))];
    await this.#quotas.optimistically((optimistic) =>
      this.#db.transaction().execute(async (trx) => {
        const quota = await this.#quotas.open(trx, repositoryId, [digest, ...blobDigests], { optimistic });
        const present = await this.#store.lockLinkedBlobsForShare(trx, repositoryId, blobDigests);
        const missingBlob = blobDigests.find((d) => !present.has(d));
        if (missingBlob) throw new BerthError('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest: missingBlob } });
        const childDigests = [...new Set(manifest.children.map((d) => d.digest))];
        const children = await this.#store.lockArtifactsForShare(trx, repositoryId, childDigests);
        const missingChild = childDigests.find((d) => !children.has(d));
        if (missingChild) throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { digest: missingChild } });
        // Bytes the project does not reference yet: what this push adds to its usage (index children are counted already).
        const added = await quota.unreferencedBytes([{ digest, size: body.length }, ...[...present].map(([d, size]) => ({ digest: d, size }))]);
        const artifact = await this.#store.insertArtifact(trx, {
          repositoryId,
          digest,
          mediaType: manifest.mediaType,
          artifactType: manifest.artifactType ?? null,
          subjectDigest: manifest.subject?.digest ?? null,
          content: body,
          annotations: manifest.annotations ?? null,
          type,
          extraAttrs,
          totalSize:
            manifest.kind === 'index'
              ? body.length + (await this.#store.sumTotalSizes(trx, [...children.values()]))
              : body.length + [manifest.config!, ...manifest.layers].reduce((sum, d) => sum + d.size, 0),
        });
        if (artifact.created) {
          await this.#store.insertArtifactBlobs(trx, artifact.id, blobDigests);
          await this.#store.insertArtifactReferences(trx, artifact.id, [...children.values()]);
        }
        if (!byDigest) await this.#store.upsertTag(trx, repositoryId, reference, artifact.id);
        await quota.add(added);
      }),
    );
    return { digest, ...(manifest.subject && { subject: manifest.subject.digest }) };
  }

  /**
   * Reads the config of images and charts at push, so listings never touch
   * storage. A config that cannot be read leaves the attributes empty; the
   * transaction then refuses the push if the blob is really missing.
   */
  async #readExtraAttrs(type: ArtifactType, manifest: ParsedManifest): Promise<Record<string, unknown> | null> {
    const config = manifest.config;
    const digest = config && parseDigest(config.digest);
    if (!digest || !hasDescriptiveConfig(type) || config.size > MAX_CONFIG_BYTES) return null;
    try {
      return extraAttrsOf(type, await this.#blobs.readBlob(digest, config.size, MAX_CONFIG_BYTES));
    } catch (error) {
      if (error instanceof PathNotFoundError || error instanceof InvalidOffsetError) return null;
      throw error;
    }
  }

  async deleteManifest(name: string, reference: string): Promise<void> {
    this.#requireDeleteEnabled();
    const repositoryId = await this.#repositoryId(name);
    if (!reference.includes(':')) {
      if (!isValidTag(reference)) throw new BerthError('MANIFEST_INVALID', `invalid tag ${JSON.stringify(reference)}`);
      if (!repositoryId || !(await this.#store.deleteTag(this.#db, repositoryId, reference))) {
        throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
      }
      return;
    }
    const digest = requireDigest(reference);
    // A manifest's content is fixed by its digest, so it can be read before the locks.
    const content = repositoryId ? await this.#quotas.contentOf(repositoryId, digest.value) : [];
    if (!repositoryId || content.length === 0) throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
    await this.#db.transaction().execute(async (trx) => {
      const quota = await this.#quotas.open(trx, repositoryId, content.map((c) => c.digest));
      const artifactId = await this.#store.lockArtifactForUpdate(trx, repositoryId, digest.value);
      if (!artifactId) throw new BerthError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { reference } });
      if (await this.#store.isReferencedByIndex(trx, artifactId)) {
        throw new BerthError('DENIED', 'the manifest is referenced by an index; delete the index first', { status: 409 });
      }
      await this.#store.deleteArtifact(trx, artifactId);
      await quota.remove(await quota.unreferencedBytes(content));
    });
  }

  // Listings

  async listTags(name: string, n: number | undefined, last: string | undefined): Promise<{ tags: string[]; more: boolean; limit: number }> {
    const repositoryId = await this.#repositoryId(name);
    if (!repositoryId) throw new BerthError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
    const limit = clampPageSize(n);
    if (limit === 0) return { tags: [], more: false, limit };
    const tags = await this.#store.listTags(this.#db, repositoryId, last, limit + 1);
    return { tags: tags.slice(0, limit), more: tags.length > limit, limit };
  }

  async catalog(visibility: Visibility, n: number | undefined, last: string | undefined): Promise<{ repositories: string[]; more: boolean; limit: number }> {
    const limit = clampPageSize(n);
    if (limit === 0) return { repositories: [], more: false, limit };
    const names = await this.#store.listRepositories(this.#db, visibility, last, limit + 1);
    return { repositories: names.slice(0, limit), more: names.length > limit, limit };
  }

  async referrers(name: string, digestValue: string, artifactType: string | undefined): Promise<Record<string, unknown>> {
    const digest = requireDigest(digestValue);
    const repositoryId = await this.#repositoryId(name);
    const rows: ReferrerRow[] = repositoryId ? await this.#store.listReferrers(this.#db, repositoryId, digest.value, artifactType) : [];
    return {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: rows.map((row) => ({
        mediaType: row.mediaType,
        digest: row.digest,
        size: row.size,
        ...(row.artifactType !== null && { artifactType: row.artifactType }),
        ...(row.annotations && Object.keys(row.annotations).length > 0 && { annotations: row.annotations }),
      })),
    };
  }

  #requireDeleteEnabled(): void {
    if (!this.#options.deleteEnabled) throw new BerthError('UNSUPPORTED', 'deletes are disabled on this registry');
  }
}

function clampPageSize(n: number | undefined): number {
  if (n === undefined) return MAX_PAGE_SIZE;
  return Math.min(Math.max(n, 0), MAX_PAGE_SIZE);
}

function rangeNotSatisfiable(name: string, uploadId: string, size: number): BerthError {
  return new BerthError('RANGE_INVALID', 'requested range not satisfiable: chunks must be sent in order', {
    headers: { Location: `/v2/${name}/blobs/uploads/${uploadId}`, Range: `0-${Math.max(size - 1, 0)}`, 'Docker-Upload-UUID': uploadId },
  });
}
