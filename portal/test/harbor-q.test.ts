import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harborQ, harborRange, joinQ } from '../src/shared/harbor-q.ts';

describe("Harbor's q filter from the portal's forms", () => {
  it('writes a time range in UTC, Harbor\'s "2006-01-02 15:04:05", with either end open', () => {
    const from = new Date('2024-03-01T00:00:00+01:00');
    const to = new Date('2024-03-31T23:59:59.999+02:00');
    assert.equal(harborRange('op_time', from, to), 'op_time=[2024-02-29 23:00:00~2024-03-31 21:59:59]');
    assert.equal(harborRange('op_time', from, undefined), 'op_time=[2024-02-29 23:00:00~]');
    assert.equal(harborRange('op_time', undefined, to), 'op_time=[~2024-03-31 21:59:59]');
    assert.equal(harborRange('op_time', undefined, undefined), undefined);
  });

  it('joins terms, leaving out the empty ones', () => {
    const terms = harborQ([{ field: 'username', value: 'adm', fuzzy: true }, { field: 'operation', value: ' ' }]);
    assert.equal(joinQ(terms, harborRange('op_time', new Date('2024-01-01T00:00:00Z'), undefined)), 'username=~"adm",op_time=[2024-01-01 00:00:00~]');
    assert.equal(joinQ(undefined, undefined), undefined);
  });
});
