/**
 * Repeats `batch` — one short statement deleting up to `size` rows, saying
 * how many — until one deletes fewer, so a purge of millions never holds a
 * long transaction and is safe to run again after a kill. A stop (the
 * signal) lands between two batches.
 */
export async function deleteInBatches(batch: (size: number) => Promise<number>, size: number, options: { signal: AbortSignal; onBatch?: (deletedSoFar: number) => Promise<void> }): Promise<{ deleted: number; stopped: boolean }> {
  let deleted = 0;
  for (;;) {
    if (options.signal.aborted) return { deleted, stopped: true };
    const count = await batch(size);
    deleted += count;
    if (count < size) return { deleted, stopped: false };
    await options.onBatch?.(deleted);
  }
}
