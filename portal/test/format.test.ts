import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize } from '../src/shared/format.ts';
import { LANGUAGES } from '../src/i18n/languages.ts';

describe('sizes in the reader’s language', () => {
  it('writes bytes in the plural form the number takes: "0 bytes", "1 byte", never "0 byte"', () => {
    assert.deepEqual([0, 1, 2, 999].map((n) => formatSize(n, 'en-US')), ['0 bytes', '1 byte', '2 bytes', '999 bytes']);
    assert.deepEqual([0, 1, 2, 5].map((n) => formatSize(n, 'ru-RU')), ['0 байт', '1 байт', '2 байта', '5 байт']);
    assert.deepEqual([0, 1, 2].map((n) => formatSize(n, 'fr-FR')), ['0\u00a0octet', '1\u00a0octet', '2\u00a0octets']);
  });

  it('gives every language the unit of its own Intl, in words for bytes and as symbols above', () => {
    for (const { code } of LANGUAGES) {
      for (const n of [0, 1, 2, 5, 21]) {
        assert.equal(formatSize(n, code), new Intl.NumberFormat(code, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(n), `${code} ${n}`);
      }
      assert.equal(formatSize(1500, code), new Intl.NumberFormat(code, { style: 'unit', unit: 'kilobyte', unitDisplay: 'short', maximumFractionDigits: 2 }).format(1.5), code);
    }
  });
});
