import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HashWorker } from './parallel-hash.ts';

for (const threaded of [true, false]) describe(`digests computed ${threaded ? 'on the hash worker thread' : 'inline'}`, () => {
  const worker = new HashWorker({ threaded });
  after(() => worker.close());

  it('equal the digest of the same bytes computed in place, across batch boundaries', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 12345);
    const hash = worker.create();
    for (let offset = 0; offset < data.length; offset += 65536 + 7) await hash.update(data.subarray(offset, offset + 65536 + 7));
    assert.equal(await hash.digest(), `sha256:${createHash('sha256').update(data).digest('hex')}`);
  });

  it('keeps concurrent streams apart and supports sha512 and empty input', async () => {
    const a = randomBytes(2_000_000);
    const b = randomBytes(1_500_000);
    const ha = worker.create();
    const hb = worker.create('sha512');
    const empty = worker.create();
    await Promise.all([ha.update(a.subarray(0, 1_000_000)), hb.update(b)]);
    await ha.update(a.subarray(1_000_000));
    assert.equal(await hb.digest(), `sha512:${createHash('sha512').update(b).digest('hex')}`);
    assert.equal(await ha.digest(), `sha256:${createHash('sha256').update(a).digest('hex')}`);
    assert.equal(await empty.digest(), `sha256:${createHash('sha256').digest('hex')}`);
  });

  it('refuses updates after the digest, and tolerates dispose at any point', async () => {
    const hash = worker.create();
    await hash.update(Buffer.from('x'));
    await hash.digest();
    await assert.rejects(hash.update(Buffer.from('y')), /hash stream already finished/);
    hash.dispose();
    const dropped = worker.create();
    await dropped.update(randomBytes(100));
    dropped.dispose();
    dropped.dispose();
  });
});
