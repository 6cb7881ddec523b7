import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot } from './snapshot.ts';

function counting(values: (() => Promise<number>)[]) {
  let calls = 0;
  const errors: unknown[] = [];
  const compute = async () => values[Math.min(calls++, values.length - 1)]!();
  return { compute, calls: () => calls, errors, onError: (error: unknown) => errors.push(error) };
}

describe('metrics snapshots', () => {
  it('concurrent scrapes share one computation, and the value is reused within the TTL', async () => {
    const source = counting([async () => 1]);
    const snapshot = new Snapshot(source.compute, { ttlMs: 60_000, timeoutMs: 1000, staleMs: 0, onError: source.onError });
    assert.deepEqual(await Promise.all([snapshot.get(), snapshot.get(), snapshot.get()]), [1, 1, 1]);
    assert.equal(await snapshot.get(), 1);
    assert.equal(source.calls(), 1);
  });

  it('a value older than the TTL is answered at once while it is refreshed behind the scrape', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const source = counting([async () => 1, async () => (await gate, 2)]);
    const snapshot = new Snapshot(source.compute, { ttlMs: 0, timeoutMs: 1000, staleMs: 60_000, onError: source.onError });
    assert.equal(await snapshot.get(), 1);
    assert.equal(await snapshot.get(), 1, 'the refresh is still running');
    release();
    await gate;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await snapshot.get(), 2);
  });

  it('a computation that does not finish in time fails the read, and a failed refresh drops the old value', async () => {
    const source = counting([async () => 1, async () => Promise.reject(new Error('database unavailable')), () => new Promise<number>(() => undefined)]);
    const snapshot = new Snapshot(source.compute, { ttlMs: 0, timeoutMs: 50, staleMs: 60_000, onError: source.onError });
    assert.equal(await snapshot.get(), 1);
    assert.equal(await snapshot.get(), 1, 'answered while the refresh fails');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(source.errors.length, 1);
    // Nothing old is shown after a failure: the next scrape waits for a new value, here in vain.
    await assert.rejects(snapshot.get(), /not computed within 50 ms/);
    assert.equal(source.errors.length, 2);
  });
});
