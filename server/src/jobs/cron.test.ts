import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../errors.ts';
import { intervalCron, parseCron } from './cron.ts';

describe("Harbor's 6-field cron", () => {
  it('reads the first field as seconds: 0 0 0 * * * is midnight UTC every day', () => {
    const cron = parseCron('0 0 0 * * *');
    assert.equal(cron.next(new Date('2026-03-04T10:11:12.000Z')).toISOString(), '2026-03-05T00:00:00.000Z');
  });

  it('fires every second or every other second for */1 and */2 in the seconds field', () => {
    assert.equal(parseCron('* * * * * *').next(new Date('2026-01-01T00:00:00.000Z')).toISOString(), '2026-01-01T00:00:01.000Z');
    assert.equal(parseCron('*/2 * * * * *').next(new Date('2026-01-01T00:00:00.500Z')).toISOString(), '2026-01-01T00:00:02.000Z');
  });

  it('gives the tick strictly after the time asked, even when that time is a tick itself', () => {
    assert.equal(parseCron('0 */5 * * * *').next(new Date('2026-01-01T00:05:00.000Z')).toISOString(), '2026-01-01T00:10:00.000Z');
  });

  it("reads Harbor's weekly and hourly presets as Harbor writes them", () => {
    // Harbor's portal writes "0 0 0 * * 0" for weekly (Sunday) and "0 0 * * * *" for hourly.
    assert.equal(parseCron('0 0 0 * * 0').next(new Date('2026-01-01T12:00:00.000Z')).toISOString(), '2026-01-04T00:00:00.000Z');
    assert.equal(parseCron('0 0 * * * *').next(new Date('2026-01-01T12:30:00.000Z')).toISOString(), '2026-01-01T13:00:00.000Z');
  });

  it('refuses five fields (minute first) with a 400 naming the six fields, instead of reading them differently', () => {
    assert.throws(() => parseCron('0 0 * * *'), (error: unknown) => error instanceof BerthError && error.code === 'BAD_REQUEST' && /6 fields/.test(error.message));
  });

  it('refuses values out of range and words it does not know with a 400', () => {
    for (const bad of ['61 0 0 * * *', '0 0 25 * * *', 'a b c d e f', '']) {
      assert.throws(() => parseCron(bad), (error: unknown) => error instanceof BerthError && error.code === 'BAD_REQUEST', bad);
    }
  });

  it('keeps the expression with single spaces, as it is stored and shown', () => {
    assert.equal(parseCron('  0  0 0 * *   * ').expression, '0 0 0 * * *');
  });
});

describe('intervals as cron (harbor.yml intervals such as upload_purging.interval)', () => {
  it('turns intervals that divide a minute, an hour or a day, and whole days, into clock-aligned crons', () => {
    assert.deepEqual(
      [2_000, 60_000, 15 * 60_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000].map(intervalCron),
      ['*/2 * * * * *', '0 */1 * * * *', '0 */15 * * * *', '0 0 */1 * * *', '0 0 */6 * * *', '0 0 0 * * *', '0 0 0 */7 * *'],
    );
  });

  it('has no cron for intervals the clock cannot repeat evenly', () => {
    assert.deepEqual([7_000, 7 * 60_000, 5 * 3_600_000, 90_000, 1500, 0].map(intervalCron), [undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
