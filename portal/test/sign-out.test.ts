import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { api, ApiError, setUnauthorizedHandler, signOut } from '../src/api/client.ts';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** A fetch whose answers the test releases one by one, by path. */
function heldFetch() {
  const pending = new Map<string, (response: Response) => void>();
  globalThis.fetch = ((input: string | URL | Request) =>
    new Promise<Response>((resolve) => pending.set(String(input), resolve))) as typeof fetch;
  return {
    answer(path: string, status: number) {
      const resolve = pending.get(path);
      assert.ok(resolve, `${path} was requested`);
      pending.delete(path);
      resolve(new Response(status === 200 ? '{}' : JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] }), { status }));
    },
  };
}

describe('signing out of the portal', () => {
  it('does not treat answers refused because of the sign-out as an expired session', async () => {
    let redirects = 0;
    setUnauthorizedHandler(() => (redirects += 1));
    const server = heldFetch();
    const listing = api.get('/api/v2.0/projects/1/members').catch((error: unknown) => error);
    const leaving = signOut();
    server.answer('/c/log_out', 200);
    await leaving;
    server.answer('/api/v2.0/projects/1/members', 401);
    assert.ok((await listing) instanceof ApiError);
    assert.equal(redirects, 0);
  });

  it('still sends a request refused after the sign-out to sign-in', async () => {
    let redirects = 0;
    setUnauthorizedHandler(() => (redirects += 1));
    const server = heldFetch();
    const leaving = signOut();
    server.answer('/c/log_out', 200);
    await leaving;
    const later = api.get('/api/v2.0/projects').catch((error: unknown) => error);
    await new Promise((resolve) => setImmediate(resolve));
    server.answer('/api/v2.0/projects', 401);
    assert.equal(((await later) as ApiError).status, 401);
    assert.equal(redirects, 1);
  });
});
