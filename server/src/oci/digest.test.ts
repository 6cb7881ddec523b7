import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { digestOf, newHasher, parseDigest } from './digest.ts';

describe('parseDigest', () => {
  it('parses a sha512 digest into algorithm and encoded parts', () => {
    const encoded = createHash('sha512').update('x').digest('hex');
    assert.deepEqual(parseDigest(`sha512:${encoded}`), { algorithm: 'sha512', encoded, value: `sha512:${encoded}` });
  });

  it('refuses grammatical digests of algorithms Berth cannot verify', () => {
    for (const value of ['sha384:' + 'a'.repeat(96), 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564', 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8']) {
      assert.equal(parseDigest(value), undefined, value);
    }
  });

  it('refuses an encoded part of the wrong length for its algorithm', () => {
    assert.equal(parseDigest('sha256:' + 'a'.repeat(65)), undefined);
    assert.equal(parseDigest('sha512:' + 'a'.repeat(64)), undefined);
    assert.equal(parseDigest('sha256:' + 'a'.repeat(128)), undefined);
  });

  it('refuses separators, empty parts and oversized input before matching', () => {
    for (const value of ['', ':', 'sha256:', ':' + 'a'.repeat(64), 'sha256::' + 'a'.repeat(64), 'SHA256:' + 'a'.repeat(64), 'sha256:' + 'a'.repeat(64) + '\0', 'sha256:' + 'a'.repeat(200)]) {
      assert.equal(parseDigest(value), undefined, JSON.stringify(value));
    }
  });
});

describe('digestOf and newHasher', () => {
  it('agree with each other and with the algorithm named', () => {
    const hasher = newHasher('sha512');
    hasher.update('hello');
    assert.equal(digestOf('hello', 'sha512'), `sha512:${hasher.digest('hex')}`);
    assert.equal(digestOf(Buffer.from('hello')), 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });
});
