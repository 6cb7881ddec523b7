import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from '../oci/digest.ts';
import type { HashRequest, HashResponse } from './hash-worker.ts';

/** Bytes gathered before a batch is handed to the worker: few messages, little copying. */
const BATCH_BYTES = 1024 * 1024;
/** Bytes a stream may have queued at the worker before update() makes the caller wait. */
const MAX_IN_FLIGHT = 4 * 1024 * 1024;
/** Batch buffers kept for reuse: enough for one stream's in-flight window. */
const POOL_SIZE = MAX_IN_FLIGHT / BATCH_BYTES + 2;

/**
 * Batch memory travels to the worker and back (transferred, never copied),
 * so a steady upload allocates nothing per batch and leaves no garbage.
 */
class BatchPool {
  readonly #free: ArrayBuffer[] = [];

  take(): Buffer {
    const buffer = this.#free.pop();
    return buffer ? Buffer.from(buffer) : Buffer.allocUnsafeSlow(BATCH_BYTES);
  }

  give(buffer: ArrayBuffer): void {
    if (this.#free.length < POOL_SIZE && buffer.byteLength === BATCH_BYTES) this.#free.push(buffer);
  }
}

/** Anything a blob stream is fed to while it is written. */
export interface StreamHasher {
  update(chunk: Buffer): Promise<void>;
}

/** A running digest of a blob stream, wherever it is computed. */
export interface StreamHash extends StreamHasher {
  readonly algorithm: DigestAlgorithm;
  /** The digest of everything fed, as "algorithm:hex". Ends the stream. */
  digest(): Promise<string>;
  /** Abandons the stream; harmless after digest() or twice. */
  dispose(): void;
}

/** Hashing on the calling thread: what a machine without a spare core should do. */
class InlineHash implements StreamHash {
  readonly algorithm: DigestAlgorithm;
  readonly #hash;
  #finished = false;

  constructor(algorithm: DigestAlgorithm) {
    this.algorithm = algorithm;
    this.#hash = createHash(algorithm);
  }

  async update(chunk: Buffer): Promise<void> {
    if (this.#finished) throw new Error('hash stream already finished');
    this.#hash.update(chunk);
  }

  async digest(): Promise<string> {
    this.#finished = true;
    return `${this.algorithm}:${this.#hash.digest('hex')}`;
  }

  dispose(): void {
    this.#finished = true;
  }
}

/**
 * Computes blob digests on a worker thread when the machine has cores to
 * spare. Receiving a request body and hashing it each take about as long as
 * the other; on one thread they add up, on two they overlap with each other
 * and with the disk writes. With two cores or fewer the receiving, writing
 * and client already keep both busy (measured: no faster, ~20 MB more
 * memory), so digests are then computed inline.
 */
export class HashWorker {
  readonly #threaded: boolean;
  #worker: Worker | undefined;
  readonly #streams = new Map<number, ParallelHash>();
  readonly #pool = new BatchPool();
  #nextId = 1;

  constructor(options: { threaded?: boolean } = {}) {
    this.#threaded = options.threaded ?? availableParallelism() > 2;
  }

  /** Started on the first upload: a process that only serves pulls never pays for the thread. */
  #start(): Worker {
    // The worker keeps a few hash states and in-flight batches (transferred, outside its heap): a small heap suffices.
    const worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 } });
    // The worker must never keep a finished process alive.
    worker.unref();
    worker.on('message', (response: HashResponse) => {
      if (response.op === 'updated') this.#pool.give(response.data);
      this.#streams.get(response.id)?.receive(response);
    });
    worker.on('error', (error) => {
      for (const stream of this.#streams.values()) stream.fail(error);
      this.#streams.clear();
      this.#worker = undefined;
    });
    return worker;
  }

  create(algorithm: DigestAlgorithm = 'sha256'): StreamHash {
    if (!this.#threaded) return new InlineHash(algorithm);
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    const stream = new ParallelHash(id, algorithm, this.#pool, (request, transfer) => worker.postMessage(request, transfer), () => this.#streams.delete(id));
    this.#streams.set(id, stream);
    return stream;
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
  }
}

class ParallelHash implements StreamHash {
  readonly algorithm: DigestAlgorithm;
  readonly #id: number;
  readonly #post: (request: HashRequest, transfer?: ArrayBuffer[]) => void;
  readonly #forget: () => void;
  readonly #pool: BatchPool;
  #batch: Buffer | undefined;
  #batched = 0;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #digest: { resolve: (hex: string) => void; reject: (error: unknown) => void } | undefined;
  #failure: unknown;
  #finished = false;

  constructor(id: number, algorithm: DigestAlgorithm, pool: BatchPool, post: (request: HashRequest, transfer?: ArrayBuffer[]) => void, forget: () => void) {
    this.#id = id;
    this.#pool = pool;
    this.algorithm = algorithm;
    this.#post = post;
    this.#forget = forget;
  }

  async update(chunk: Buffer): Promise<void> {
    if (this.#finished) throw new Error('hash stream already finished');
    if (this.#failure) throw this.#failure;
    let offset = 0;
    while (offset < chunk.length) {
      this.#batch ??= this.#pool.take();
      const take = Math.min(chunk.length - offset, BATCH_BYTES - this.#batched);
      chunk.copy(this.#batch, this.#batched, offset, offset + take);
      this.#batched += take;
      offset += take;
      if (this.#batched === BATCH_BYTES) this.#flush();
    }
    if (this.#inFlight > MAX_IN_FLIGHT) await new Promise<void>((resolve) => (this.#drained = resolve));
  }

  /** The digest of everything fed, as "algorithm:hex". Ends the stream. */
  async digest(): Promise<string> {
    if (this.#failure) throw this.#failure;
    this.#flush();
    this.#finished = true;
    const hex = await new Promise<string>((resolve, reject) => {
      this.#digest = { resolve, reject };
      this.#post({ op: 'digest', id: this.#id, algorithm: this.algorithm });
    });
    this.#forget();
    return `${this.algorithm}:${hex}`;
  }

  /** Abandons the stream and frees its state in the worker. */
  dispose(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#post({ op: 'drop', id: this.#id });
    this.#forget();
  }

  receive(response: HashResponse): void {
    if (response.op === 'updated') {
      this.#inFlight -= response.bytes;
      if (this.#inFlight <= MAX_IN_FLIGHT / 2 && this.#drained) {
        const resume = this.#drained;
        this.#drained = undefined;
        resume();
      }
    } else {
      this.#digest?.resolve(response.hex);
    }
  }

  fail(error: unknown): void {
    this.#failure = error;
    this.#digest?.reject(error);
    this.#drained?.();
  }

  #flush(): void {
    if (!this.#batch || this.#batched === 0) return;
    const data = this.#batch.buffer as ArrayBuffer;
    this.#post({ op: 'update', id: this.#id, algorithm: this.algorithm, data, length: this.#batched }, [data]);
    this.#inFlight += this.#batched;
    this.#batch = undefined;
    this.#batched = 0;
  }
}
