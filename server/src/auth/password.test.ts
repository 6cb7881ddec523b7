import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('Correct-Horse-1');
    assert.match(hash, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('Correct-Horse-1', hash), true);
    assert.equal(await verifyPassword('correct-horse-1', hash), false);
  });

  it('salts every hash, so equal passwords do not give equal hashes', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  it('refuses malformed stored hashes instead of throwing', async () => {
    assert.equal(await verifyPassword('x', 'plain-text'), false);
    assert.equal(await verifyPassword('x', 'bcrypt$1$2$3$4$5'), false);
  });

  it('completes a burst of concurrent verifications (bounded, not refused)', async () => {
    const hash = await hashPassword('burst');
    const results = await Promise.all(Array.from({ length: 8 }, () => verifyPassword('burst', hash)));
    assert.deepEqual(results, Array(8).fill(true));
  });

  it('generates passwords that meet Harbor’s policy', () => {
    const password = generatePassword();
    assert.ok(password.length >= 8 && /[A-Z]/.test(password) && /[a-z]/.test(password) && /[0-9]/.test(password));
  });
});
