import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cronProblem } from './harbor-cron.ts';

describe("Harbor's retention schedules", () => {
  it('accepts six-field schedules starting at second 0, and descriptors', () => {
    for (const cron of ['0 0 0 * * *', '0 */5 * * * *', '0 30 2 1-15 JAN-MAR MON,WED', '0 0 12 ? * 1-5', '0 0 0 1 1 ?', '@daily', '@every 1h30m']) {
      assert.equal(cronProblem(cron), undefined, cron);
    }
  });

  it('refuses five-field schedules, seconds other than 0, values out of range and garbage', () => {
    for (const cron of ['0 0 * * *', '5 0 0 * * *', '0 60 * * * *', '0 0 24 * * *', '0 0 0 0 * *', '0 0 0 * 13 *', '0 0 0 * * 7', '0 0 0 * * FOO', '0 */0 * * * *', '0 5-1 * * * *', '0 ? * * * *', 'every day', '@sometimes', '']) {
      assert.ok(cronProblem(cron), cron);
    }
  });
});
