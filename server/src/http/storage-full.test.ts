import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { describe, it } from 'node:test';
import pg from 'pg';
import { storageFullError } from './storage-full.ts';

describe('storageFullError', () => {
  it('turns PostgreSQL\'s disk_full (53100) into 507 INSUFFICIENT_STORAGE', () => {
    const error = new pg.DatabaseError('could not extend file: No space left on device', 0, 'error');
    error.code = '53100';
    const mapped = storageFullError(error);
    assert.equal(mapped?.status, 507);
    assert.equal(mapped?.code, 'INSUFFICIENT_STORAGE');
  });

  it('finds ENOSPC wrapped as the cause of another error', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    assert.equal(storageFullError(new Error('segment write failed', { cause: enospc }))?.status, 507);
  });

  it('leaves every other failure alone, a real file system error included', async () => {
    const error = await open('/nonexistent/berth', 'r').catch((e: unknown) => e);
    assert.equal(storageFullError(error), undefined);
    assert.equal(storageFullError(new Error('boom')), undefined);
  });
});
