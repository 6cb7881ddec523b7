import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, quotaExceeded } from './quota-exceeded.ts';

describe('quota messages', () => {
  it('shows sizes in binary units with one decimal, bytes below 1 KiB', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1024 * 1024 - 1), '1024.0 KiB');
    assert.equal(formatBytes(1_363_149), '1.3 MiB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GiB');
    assert.equal(formatBytes(2 * 1024 ** 5), '2.0 PiB');
  });

  it("refuses with 403 DENIED and Harbor's sentence", () => {
    const error = quotaExceeded(1.2 * 1024 * 1024, 3 * 1024 * 1024, 4 * 1024 * 1024);
    assert.equal(error.status, 403);
    assert.equal(error.code, 'DENIED');
    assert.equal(error.message, 'adding 1.2 MiB of storage resource, which when updated to current usage of 3.0 MiB will exceed the configured upper limit of 4.0 MiB.');
  });
});
