/**
 * Node's HTTP parser copies every chunk of a request body into a new
 * ArrayBuffer. V8 counts those as external memory and, every 64 MiB of it,
 * starts a full mark-compact of the whole heap, marking on helper threads
 * too: a 256 MiB push paid for four to eight of them, more CPU than hashing
 * the same bytes, on the cores the client also needs. The chunks are dead
 * by then (writers copy what they keep), so a young-generation collection
 * frees them for a millisecond or two and no full collection is needed,
 * provided it runs often enough: every 32 MiB still let full collections
 * through, every 16 MiB none (measured on skopeo pushes of 64 MiB layers).
 *
 * `gc` exists only when Node runs with --expose-gc, as server/bin/berth
 * starts it; without it (tests that build the app in-process) nothing
 * changes but the cost.
 */
const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

type CollectGarbage = (options: { type: 'minor'; execution: 'sync' }) => void;

const collect = (globalThis as { gc?: CollectGarbage }).gc;
let bytesSinceCollection = 0;

/** Counts body bytes received by any upload; every COLLECT_EVERY_BYTES, collects the young generation. */
export function noteBodyBytes(bytes: number): void {
  if (!collect) return;
  bytesSinceCollection += bytes;
  if (bytesSinceCollection < COLLECT_EVERY_BYTES) return;
  bytesSinceCollection = 0;
  collect({ type: 'minor', execution: 'sync' });
}
