import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

/**
 * Runs in a worker thread: keeps one running digest per stream id and feeds
 * it the batches the main thread transfers (see parallel-hash.ts), so the
 * main thread's time goes to receiving and writing bytes, not hashing them.
 */
export type HashRequest =
  | { op: 'update'; id: number; algorithm: string; data: ArrayBuffer; length: number }
  | { op: 'digest'; id: number; algorithm: string }
  | { op: 'drop'; id: number };

/** `updated` hands the batch's memory back (transferred) so the main thread can reuse it. */
export type HashResponse = { op: 'updated'; id: number; bytes: number; data: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

const hashes = new Map<number, Hash>();

function hashFor(id: number, algorithm: string): Hash {
  let hash = hashes.get(id);
  if (!hash) {
    hash = createHash(algorithm);
    hashes.set(id, hash);
  }
  return hash;
}

parentPort!.on('message', (request: HashRequest) => {
  switch (request.op) {
    case 'update':
      hashFor(request.id, request.algorithm).update(new Uint8Array(request.data, 0, request.length));
      parentPort!.postMessage({ op: 'updated', id: request.id, bytes: request.length, data: request.data } satisfies HashResponse, [request.data]);
      break;
    case 'digest': {
      const hex = hashFor(request.id, request.algorithm).digest('hex');
      hashes.delete(request.id);
      parentPort!.postMessage({ op: 'digest', id: request.id, hex } satisfies HashResponse);
      break;
    }
    case 'drop':
      hashes.delete(request.id);
      break;
  }
});
