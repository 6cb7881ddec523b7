import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BerthError } from '../errors.ts';
import { parseByteRange, parseContentRange, parsePageSize } from './http-params.ts';

function refusal(fn: () => unknown, code: string, status: number): void {
  assert.throws(fn, (error: unknown) => error instanceof BerthError && error.code === code && error.status === status);
}

describe('parseByteRange (blob GET Range)', () => {
  it('reads a closed, an open-ended and a suffix range, clamping the end to the blob', () => {
    assert.deepEqual(parseByteRange('bytes=10-19', 100), { start: 10, end: 19 });
    assert.deepEqual(parseByteRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseByteRange('bytes=90-500', 100), { start: 90, end: 99 });
    assert.deepEqual(parseByteRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseByteRange('bytes=-500', 100), { start: 0, end: 99 });
    assert.deepEqual(parseByteRange(' bytes=0-0 ', 1), { start: 0, end: 0 });
  });

  it('has no range without a header', () => {
    assert.equal(parseByteRange(undefined, 100), undefined);
  });

  it('calls ranges outside the blob unsatisfiable', () => {
    for (const [header, size] of [['bytes=100-', 100], ['bytes=20-10', 100], ['bytes=-0', 100], ['bytes=-5', 0], ['bytes=0-0', 0]] as const) {
      assert.equal(parseByteRange(header, size), 'unsatisfiable', `${header} of ${size}`);
    }
  });

  it('refuses malformed and multi-part ranges with 416 RANGE_INVALID and the blob size', () => {
    for (const header of ['bytes=-', 'bytes=a-b', 'bytes=0-1,5-6', 'items=0-1', '0-1', 'bytes 0-1']) {
      assert.throws(
        () => parseByteRange(header, 42),
        (error: unknown) => error instanceof BerthError && error.code === 'RANGE_INVALID' && error.status === 416 && error.headers['Content-Range'] === 'bytes */42',
        header,
      );
    }
  });
});

describe('parseContentRange (chunk PATCH Content-Range)', () => {
  it('reads the OCI form and the HTTP decorations clients add', () => {
    for (const header of ['0-99', 'bytes 0-99', 'bytes=0-99', '0-99/100', 'bytes 0-99/*', ' 0-99 ']) {
      assert.deepEqual(parseContentRange(header), { start: 0, end: 99 }, header);
    }
    assert.equal(parseContentRange(undefined), undefined);
  });

  it('refuses malformed, reversed and unsafe ranges with 416 RANGE_INVALID', () => {
    for (const header of ['', '5', '-5', '9-3', 'a-b', '0-99/abc', '0-' + '9'.repeat(20), 'bytes */100']) {
      assert.throws(() => parseContentRange(header), (error: unknown) => error instanceof BerthError && error.code === 'RANGE_INVALID' && error.status === 416, header);
    }
  });
});

describe('parsePageSize (n of tag lists and the catalog)', () => {
  it('reads a non-negative integer, or nothing when absent or empty', () => {
    assert.equal(parsePageSize('0'), 0);
    assert.equal(parsePageSize('1000'), 1000);
    assert.equal(parsePageSize('999999999'), 999999999);
    assert.equal(parsePageSize(undefined), undefined);
    assert.equal(parsePageSize(''), undefined);
  });

  it('refuses anything else with 400 BAD_REQUEST', () => {
    for (const value of ['-1', '1.5', 'ten', '1e3', ' 5', '1234567890', '5\0']) refusal(() => parsePageSize(value), 'BAD_REQUEST', 400);
  });
});
