import type { GarbageService, SizedDigest } from '../content/garbage.service.ts';
import { SWEEP_CHUNK } from '../content/garbage.service.ts';
import type { Foreground } from './foreground.ts';

/** Harbor's GC parameters, plus how old an abandoned upload must be (storage_service.upload_purging.age). */
export interface GcOptions {
  /** Delete untagged artifacts (never an index's children or accessories while what keeps them is there). */
  deleteUntagged: boolean;
  /** Report what a real run would delete; change nothing. */
  dryRun: boolean;
  /** 1–5 sweeps in parallel. */
  workers: number;
  /** Hours a blob, link or untagged artifact must have gone untouched before it may go (Harbor's time_window; 0 allowed). */
  timeWindowHours: number;
  /** Upload sessions and areas idle this long are abandoned. */
  uploadMaxAgeMs: number;
}

export type GcPhase = 'resume' | 'untagged' | 'links' | 'unknown-bytes' | 'uploads' | 'blobs' | 'done';

/** What a run has deleted (or, dry, would delete) so far. */
export interface GcProgress {
  phase: GcPhase;
  artifactsDeleted: number;
  blobsMarked: number;
  blobsSwept: number;
  /** Bytes of swept blobs and of bytes no row knew. */
  bytesFreed: number;
  linksDeleted: number;
  unknownBytesDeleted: number;
  uploadsExpired: number;
  /** Blobs whose bytes could not be deleted: left 'deleting' for the next run. */
  failures: number;
  /** How far the blob and storage phases have come (0–1), from the digest they reached: both walk digests in order. */
  position: number;
}

export type GcDeletion =
  | { kind: 'artifact'; repository: string; digest: string }
  | { kind: 'blob'; digest: string; size: number }
  | { kind: 'link'; repository: string; digest: string }
  | { kind: 'unknown-bytes'; digest: string; size: number }
  | { kind: 'upload'; id: string };

export interface GcHooks {
  /** After every batch: counts so far. */
  onProgress?(progress: GcProgress): void;
  /** Each thing deleted (or that a dry run would delete), as it goes. */
  onDeleted?(deletion: GcDeletion): void;
  /** Lines for the run's log (failures, phase summaries). */
  log?(line: string): void;
  /** Ends the run between batches; what was done stays done, the next run finishes the rest. */
  signal?: AbortSignal;
}

/** Blob rows marked per transaction; sweeps of SWEEP_CHUNK run in parallel within it. */
const MARK_BATCH = 1024;
const PAGE = 256;
/**
 * While users push (Foreground.busy), the run rests this many times as long
 * as its batches took — each of `workers` parallel sweeps `workers` times
 * as long — so it works about 1 / (1 + YIELD_RATIO) of the time it would,
 * whatever its workers, and pushes keep the machine. Otherwise it goes flat out.
 */
const YIELD_RATIO = 9;
const REST_SLICE_MS = 500;

/**
 * Garbage collection, online: pushes and pulls go on meanwhile. Runs the
 * steps of content/'s GarbageService in order, streaming every table and
 * the storage walk a page at a time, so memory stays flat whatever the
 * registry holds. Every step's state is in rows ('deleting' blobs are swept
 * first by the next run), so a run killed anywhere is finished by the next.
 */
export class GarbageCollector {
  readonly #garbage: GarbageService;
  readonly #foreground: Foreground | undefined;

  /** `foreground`: what the run yields to; without one it never pauses. */
  constructor(garbage: GarbageService, foreground?: Foreground) {
    this.#garbage = garbage;
    this.#foreground = foreground;
  }

  async run(options: GcOptions, hooks: GcHooks = {}): Promise<GcProgress> {
    const workers = Math.min(Math.max(Math.trunc(options.workers), 1), 5);
    const progress: GcProgress = { phase: 'resume', artifactsDeleted: 0, blobsMarked: 0, blobsSwept: 0, bytesFreed: 0, linksDeleted: 0, unknownBytesDeleted: 0, uploadsExpired: 0, failures: 0, position: 0 };
    const log = (line: string) => hooks.log?.(line);
    const report = () => hooks.onProgress?.({ ...progress });
    const checkStop = () => hooks.signal?.throwIfAborted();
    /**
     * One batch of work, run beside `parallel - 1` others; then, while users push, a rest in proportion
     * to it, in slices so that it ends when they stop (or the run is stopped).
     */
    const paced = async <T>(work: () => Promise<T>, parallel = 1): Promise<T> => {
      const started = performance.now();
      const result = await work();
      for (let owed = (performance.now() - started) * YIELD_RATIO * parallel; owed > 0 && !hooks.signal?.aborted && (await this.#foreground?.busy()); owed -= REST_SLICE_MS) {
        await rest(Math.min(owed, REST_SLICE_MS), hooks.signal);
      }
      return result;
    };
    const { dryRun } = options;
    const cutoff = await this.#garbage.cutoff(options.timeWindowHours);
    log(`${dryRun ? 'dry run: ' : ''}collecting what was last touched before ${cutoff.text} (time window ${options.timeWindowHours} h), delete_untagged ${options.deleteUntagged}, ${workers} worker(s)`);

    let blobsDeferred = 0;
    const sweep = async (blobs: SizedDigest[]) => {
      const chunks: SizedDigest[][] = [];
      for (let i = 0; i < blobs.length; i += SWEEP_CHUNK) chunks.push(blobs.slice(i, i + SWEEP_CHUNK));
      await forEachLimit(chunks, workers, async (chunk) => {
        const { swept, failed, deferred } = await paced(() => this.#garbage.sweep(chunk, dryRun), workers);
        blobsDeferred += deferred;
        for (const blob of swept) {
          progress.blobsSwept++;
          progress.bytesFreed += blob.size;
          hooks.onDeleted?.({ kind: 'blob', digest: blob.digest, size: blob.size });
        }
        for (const failure of failed) {
          progress.failures++;
          log(`could not delete the bytes of ${failure.digest}, left for the next run: ${failure.error}`);
        }
        report();
      });
    };

    // A killed run's marked rows first: no push may use them any more, only their bytes are left to delete.
    for (let after = ''; ; ) {
      checkStop();
      const page = await this.#garbage.deleting(after, MARK_BATCH);
      if (page.length === 0) break;
      after = page.at(-1)!.digest;
      await sweep(page);
    }

    // A dry run deletes nothing, so it counts the artifacts it would delete as gone in every later query.
    const ignoring: string[] = [];
    if (options.deleteUntagged) {
      progress.phase = 'untagged';
      report();
      // Deleting an index frees its children, deleting a subject its accessories: passes until one deletes nothing.
      for (let deletedInPass = -1; deletedInPass !== 0; ) {
        deletedInPass = 0;
        for (let after = '0'; ; ) {
          checkStop();
          const page = await this.#garbage.untaggedArtifacts(cutoff, ignoring, after, PAGE);
          if (page.length === 0) break;
          after = page.at(-1)!.id;
          await paced(async () => {
            for (const artifact of page) {
              if (dryRun) ignoring.push(artifact.id);
              else if (!(await this.#garbage.deleteUntagged(artifact, cutoff))) continue;
              deletedInPass++;
              progress.artifactsDeleted++;
              hooks.onDeleted?.({ kind: 'artifact', repository: artifact.repository, digest: artifact.digest });
            }
          });
          report();
        }
      }
      log(`untagged artifacts: ${progress.artifactsDeleted}`);
    }

    progress.phase = 'links';
    progress.position = 0;
    report();
    for (let after = { repositoryId: '0', digest: '' }; ; ) {
      checkStop();
      const { unlinked, last } = await paced(() => this.#garbage.unlink(cutoff, ignoring, after, MARK_BATCH, dryRun));
      if (last === undefined) break;
      after = last;
      progress.linksDeleted += unlinked.length;
      for (const link of unlinked) hooks.onDeleted?.({ kind: 'link', ...link });
      report();
    }
    log(`repository links: ${progress.linksDeleted}`);

    progress.phase = 'unknown-bytes';
    report();
    // Listing a prefix directory is part of its batch's work, so the rests while users push count it too.
    const walk = this.#garbage.storedBlobs();
    for (let done = false; !done; ) {
      checkStop();
      done = await paced(async () => {
        const next = await walk.next();
        if (next.done) return true;
        const digests = next.value;
        progress.position = positionOf(digests[0]!.value);
        for (const removed of await this.#garbage.sweepUnknownBytes(digests, cutoff, dryRun)) {
          progress.unknownBytesDeleted++;
          progress.bytesFreed += removed.size;
          hooks.onDeleted?.({ kind: 'unknown-bytes', digest: removed.digest, size: removed.size });
        }
        report();
        return false;
      });
    }
    log(`bytes no row knew: ${progress.unknownBytesDeleted}`);

    progress.phase = 'uploads';
    progress.position = 0;
    report();
    checkStop();
    for (const id of await this.#garbage.expireUploads(options.uploadMaxAgeMs, dryRun)) {
      progress.uploadsExpired++;
      hooks.onDeleted?.({ kind: 'upload', id });
    }
    log(`abandoned uploads: ${progress.uploadsExpired}`);

    // Last, so the time from the cutoff (the run's start) to the mark protects pushes in progress even at
    // time window 0: a layer uploaded before the run began must stay unreferenced for the whole run to go.
    progress.phase = 'blobs';
    progress.position = 0;
    report();
    // Each page is marked while the one before it is swept: the mark's statements and the sweep's storage
    // deletes overlap. They never touch the same rows: the sweep's lie before the page being marked.
    let sweeping = Promise.resolve();
    try {
      for (let after = ''; ; ) {
        checkStop();
        const { marked, last } = await paced(() => this.#garbage.mark(cutoff, ignoring, after, MARK_BATCH, dryRun));
        await sweeping;
        if (last === undefined) break;
        after = last;
        progress.position = positionOf(last);
        progress.blobsMarked += marked.length;
        report();
        sweeping = sweep(marked);
        // Its failure is thrown where it is awaited, next round.
        sweeping.catch(() => undefined);
      }
    } finally {
      await sweeping.catch(() => undefined);
    }
    log(`blobs: ${progress.blobsSwept} deleted${progress.failures > 0 ? `, ${progress.failures} left for the next run` : ''}`);
    if (blobsDeferred > 0) log(`a backup was copying blobs: ${blobsDeferred} marked blobs kept, left for the next run`);

    progress.phase = 'done';
    progress.position = 1;
    report();
    log(`${dryRun ? 'dry run: would free' : 'freed'} ${progress.bytesFreed} bytes`);
    return progress;
  }
}

/** Where a digest lies in digest order, from its first four hex digits. */
function positionOf(digest: string): number {
  const hex = digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 5);
  return (Number.parseInt(hex, 16) + 1) / 0x10000;
}

/** Waits `ms`, or less when `signal` aborts (the caller's next stop check then ends the run). */
async function rest(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function forEachLimit<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
