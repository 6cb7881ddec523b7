import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localRedirect } from '../src/api/client.ts';

const ORIGIN = 'https://registry.example.com';

describe('where sign-in sends the browser back to', () => {
  it('returns to a path of this site, with its query and fragment', () => {
    assert.equal(localRedirect('/projects/3/members?page=2#top', ORIGIN), '/projects/3/members?page=2#top');
  });

  it('never leaves the site, however the target is disguised', () => {
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', ' /projects', '/%2F%2Fevil.example', '/.//evil.example', '/..//evil.example']) {
      const result = localRedirect(target, ORIGIN);
      assert.ok(result.startsWith('/') && !result.startsWith('//') && new URL(result, ORIGIN).origin === ORIGIN, `${target} → ${result}`);
    }
    assert.equal(localRedirect('//evil.example/x', ORIGIN), '/');
    assert.equal(localRedirect('/\t/evil.example', ORIGIN), '/');
    assert.equal(localRedirect('/.//evil.example', ORIGIN), '/');
  });

  it('does not loop back to the sign-in page, and defaults to the start page', () => {
    assert.equal(localRedirect('/sign-in?redirect=%2Fprojects', ORIGIN), '/');
    assert.equal(localRedirect(undefined, ORIGIN), '/');
    assert.equal(localRedirect('', ORIGIN), '/');
  });
});
