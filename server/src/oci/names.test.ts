import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isValidRepositoryName, isValidTag } from './names.ts';
import { parseDigest, digestOf } from './digest.ts';

describe('repository names', () => {
  it('accepts names clients push, with namespaces and separators', () => {
    for (const name of ['library/alpine', 'a', 'my-org/my_app', 'a/b/c/d', 'x__y', 'a.b-c', 'a---b']) {
      assert.equal(isValidRepositoryName(name), true, name);
    }
  });
  it('refuses names outside the OCI grammar, including path tricks', () => {
    for (const name of ['', 'A', 'a/', '/a', 'a//b', '..', 'a/../b', 'a/./b', '-a', 'a-', 'a___b', 'a b', 'a%2fb', 'x'.repeat(256)]) {
      assert.equal(isValidRepositoryName(name), false, name);
    }
  });
});

describe('tags', () => {
  it('accepts up to 128 characters starting with a word character', () => {
    assert.equal(isValidTag('latest'), true);
    assert.equal(isValidTag('_v1.0-rc.1'), true);
    assert.equal(isValidTag('a'.repeat(128)), true);
  });
  it('refuses longer tags and tags starting with a dot or dash', () => {
    assert.equal(isValidTag('a'.repeat(129)), false);
    assert.equal(isValidTag('.hidden'), false);
    assert.equal(isValidTag('-x'), false);
    assert.equal(isValidTag('sha256:abc'), false);
  });
});

describe('digests', () => {
  it('parses sha256 and sha512 digests of the right length', () => {
    const d = digestOf('hello');
    assert.deepEqual(parseDigest(d), { algorithm: 'sha256', encoded: d.slice(7), value: d });
    assert.ok(parseDigest(digestOf('hello', 'sha512')));
  });
  it('refuses malformed, short, upper-case and unknown-algorithm digests', () => {
    for (const value of ['sha256:abc', 'sha256:' + 'A'.repeat(64), 'md5:' + 'a'.repeat(32), 'sha256' + 'a'.repeat(64), '../../etc', 'sha256:' + 'a'.repeat(63) + '/']) {
      assert.equal(parseDigest(value), undefined, value);
    }
  });
});
