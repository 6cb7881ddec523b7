import type { Db } from '../db/database.ts';
import { parseDigest, type Digest } from '../oci/digest.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { BlobsService } from './blobs.service.ts';
import type { ContentStore } from './content.store.ts';
import type { WriteGate } from './read-only.ts';
import type { ManifestsService } from './manifests.service.ts';

/** A moment on the database clock: as PostgreSQL wrote it (exact, for queries) and in milliseconds (for storage timestamps). */
export interface Cutoff {
  text: string;
  ms: number;
}

export interface UntaggedArtifact {
  id: string;
  repositoryId: string;
  repository: string;
  digest: string;
}

export interface SizedDigest {
  digest: string;
  size: number;
}

export interface SweepResult {
  swept: SizedDigest[];
  failed: { digest: string; error: string }[];
  /** How many were kept because a backup is copying blobs (BACKUP_FENCE): still 'deleting', for the next run. */
  deferred: number;
}

/** How many digests one sweep transaction locks: PostgreSQL's advisory lock table is bounded (see QuotaLedger). */
export const SWEEP_CHUNK = 64;
/** Storage deletes one sweep transaction has in flight. */
const DELETES_IN_FLIGHT = 4;

/**
 * Garbage collection's part of content/: each step that removes repository
 * content, as the protocol in docs/architecture.md ("Garbage collection")
 * orders it. gc/ decides what to run in which order; every deletion is here,
 * so it takes the same locks as the pushes it races. `dryRun` runs the same
 * statements, locks included, and changes nothing.
 */
/** Who deletes what garbage collection deletes (the audit log's operator of its events). */
const GC_CHANGE = { operator: 'system', description: 'untagged: deleted by garbage collection' } as const;

export class GarbageService {
  readonly #db: Db;
  readonly #store: ContentStore;
  readonly #bytes: BlobStore;
  readonly #manifests: ManifestsService;
  readonly #blobs: BlobsService;
  readonly #gate: WriteGate;

  constructor(deps: { db: Db; store: ContentStore; bytes: BlobStore; manifests: ManifestsService; blobs: BlobsService; gate: WriteGate }) {
    this.#gate = deps.gate;
    this.#db = deps.db;
    this.#store = deps.store;
    this.#bytes = deps.bytes;
    this.#manifests = deps.manifests;
    this.#blobs = deps.blobs;
  }

  /** `hours` before now on the database clock (never a replica's): what was last touched before it may go. */
  async cutoff(hours: number): Promise<Cutoff> {
    return await this.#store.clockMinusHours(this.#db, hours);
  }

  /** A page of untagged artifacts nothing keeps (see ContentStore.findUntaggedArtifacts); `ignoring` are counted as gone. */
  async untaggedArtifacts(cutoff: Cutoff, ignoring: string[], after: string, limit: number): Promise<UntaggedArtifact[]> {
    return await this.#store.findUntaggedArtifacts(this.#db, cutoff.text, ignoring, after, limit);
  }

  /**
   * Deletes the artifact if, under its locks, it is still collectable; quota
   * usage follows and its delete_artifact event is written, as for any other
   * delete (ManifestsService.deleteIfUntagged), in Berth's own name.
   */
  async deleteUntagged(artifact: UntaggedArtifact, cutoff: Cutoff): Promise<boolean> {
    return await this.#manifests.deleteIfUntagged({ id: artifact.repositoryId, name: artifact.repository }, artifact.digest, cutoff.text, GC_CHANGE);
  }

  /**
   * Mark: up to `limit` live blobs after `after` that no artifact references
   * and nobody touched since `cutoff`, locked FOR UPDATE SKIP LOCKED (a push
   * holding one FOR SHARE keeps it), then re-checked and set 'deleting' by a
   * new statement (an UPDATE whose snapshot follows the locks) and committed — from then on no manifest PUT accepts them,
   * and an upload of the same digest revives the row. `last`: where the next
   * page starts; undefined when there is none.
   */
  async mark(cutoff: Cutoff, ignoring: string[], after: string, limit: number, dryRun: boolean): Promise<{ marked: SizedDigest[]; last: string | undefined }> {
    if (!dryRun) await this.#gate.requireWritable();
    return await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#store.lockUnreferencedBlobs(trx, cutoff.text, ignoring, after, limit);
      const marked = dryRun ? await this.#store.recheckUnreferencedBlobs(trx, locked, cutoff.text, ignoring) : await this.#store.markUnreferencedBlobs(trx, locked, cutoff.text);
      return { marked, last: locked.at(-1) };
    });
  }

  /** A page of rows marked 'deleting' — by this run or by one that was killed — in digest order after `after`. */
  async deleting(after: string, limit: number): Promise<SizedDigest[]> {
    return await this.#store.findDeletingBlobs(this.#db, after, limit);
  }

  /**
   * Sweep (at most SWEEP_CHUNK digests): under each digest's advisory lock —
   * the one upload finalize takes — and the row's FOR UPDATE lock, rows
   * still 'deleting' lose their bytes, then the row (and its links) goes, in
   * one transaction. A storage delete that fails leaves its row 'deleting'
   * for the next run; a crash after the bytes went does the same. A dry run
   * reports `blobs` as they are.
   */
  async sweep(blobs: SizedDigest[], dryRun: boolean): Promise<SweepResult> {
    if (dryRun) return { swept: blobs, failed: [], deferred: 0 };
    await this.#gate.requireWritable();
    const digests = blobs.map((b) => b.digest);
    return await this.#db.transaction().execute(async (trx) => {
      // A backup copying the blobs of its snapshot holds the fence: their bytes stay until it is done.
      if (!(await this.#store.sweepUnlessBackingUp(trx))) return { swept: [], failed: [], deferred: blobs.length };
      await this.#store.lockDigests(trx, digests);
      const rows = await this.#store.lockDeletingBlobs(trx, digests);
      const failed: SweepResult['failed'] = [];
      const swept: SizedDigest[] = [];
      // A few at a time: a filesystem's deletes queue in the process's small I/O thread pool, where they
      // would hold up the writes of uploads this process serves meanwhile.
      let next = 0;
      const deleteNext = async () => {
        for (let row = rows[next++]; row !== undefined; row = rows[next++]) {
          try {
            await this.#bytes.deleteBlob(digestOf(row.digest));
            swept.push(row);
          } catch (error) {
            failed.push({ digest: row.digest, error: (error as Error).message });
          }
        }
      };
      await Promise.all(Array.from({ length: DELETES_IN_FLIGHT }, deleteNext));
      await this.#store.deleteBlobRows(trx, swept.map((b) => b.digest));
      return { swept, failed, deferred: 0 };
    });
  }

  /**
   * Repository links no artifact of their repository needs (the blob stays
   * for the repositories that reference it): locked FOR UPDATE SKIP LOCKED
   * (a manifest PUT holds its links FOR SHARE), re-checked, deleted.
   */
  async unlink(cutoff: Cutoff, ignoring: string[], after: { repositoryId: string; digest: string }, limit: number, dryRun: boolean): Promise<{ unlinked: { repository: string; digest: string }[]; last: { repositoryId: string; digest: string } | undefined }> {
    if (!dryRun) await this.#gate.requireWritable();
    return await this.#db.transaction().execute(async (trx) => {
      const locked = await this.#store.lockUnreferencedLinks(trx, cutoff.text, ignoring, after, limit);
      const unlinked = await this.#store.recheckUnreferencedLinks(trx, locked, cutoff.text, ignoring);
      if (!dryRun) await this.#store.deleteLinks(trx, unlinked);
      return { unlinked: unlinked.map(({ repository, digest }) => ({ repository, digest })), last: locked.at(-1) };
    });
  }

  /** Stored blob directories, a prefix directory at a time (see BlobStore.storedBlobDigests). */
  storedBlobs(): AsyncGenerator<Digest[]> {
    return this.#bytes.storedBlobDigests();
  }

  /**
   * Bytes no row knows — a push killed between placing bytes and committing
   * its row — last written before `cutoff`: of `digests`, those without a
   * row are locked with the digest's advisory lock (so an upload placing
   * them now has committed its row or not begun), checked again, and
   * deleted. Returns what went (or would go), with sizes.
   */
  async sweepUnknownBytes(digests: Digest[], cutoff: Cutoff, dryRun: boolean): Promise<SizedDigest[]> {
    if (!dryRun) await this.#gate.requireWritable();
    const known = await this.#store.knownBlobs(this.#db, digests.map((d) => d.value));
    const unknown = digests.filter((d) => !known.has(d.value));
    if (unknown.length === 0) return [];
    const removed: SizedDigest[] = [];
    for (let i = 0; i < unknown.length; i += SWEEP_CHUNK) {
      const chunk = unknown.slice(i, i + SWEEP_CHUNK);
      await this.#db.transaction().execute(async (trx) => {
        await this.#store.lockDigests(trx, chunk.map((d) => d.value));
        const knownNow = await this.#store.knownBlobs(trx, chunk.map((d) => d.value));
        for (const digest of chunk) {
          if (knownNow.has(digest.value)) continue;
          const info = await this.#bytes.statBlob(digest);
          if (info && info.modTime.getTime() >= cutoff.ms) continue;
          if (!dryRun) await this.#bytes.deleteBlob(digest);
          removed.push({ digest: digest.value, size: info?.size ?? 0 });
        }
      });
    }
    return removed;
  }

  /** Upload sessions and areas idle for longer than `maxAgeMs` (BlobsService.expireUploads). */
  async expireUploads(maxAgeMs: number, dryRun: boolean): Promise<string[]> {
    if (!dryRun) await this.#gate.requireWritable();
    return await this.#blobs.expireUploads(maxAgeMs, dryRun);
  }
}

/** Digests in blob rows were validated when written. */
function digestOf(value: string): Digest {
  const digest = parseDigest(value);
  if (!digest) throw new Error(`blob row with an invalid digest: ${JSON.stringify(value)}`);
  return digest;
}
