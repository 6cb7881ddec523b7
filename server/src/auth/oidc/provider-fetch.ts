import { request } from 'node:https';
import { Readable } from 'node:stream';

/** The part of fetch()'s options that openid-client and jose pass to a custom fetch. */
export interface ProviderFetchInit {
  method: string;
  headers: Record<string, string> | Headers;
  body?: unknown;
  signal?: AbortSignal | null;
}

export type ProviderFetch = (url: string, init: ProviderFetchInit) => Promise<Response>;

/** Statuses whose Response must not have a body (the constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The fetch() every request to the provider goes through (openid-client's and
 * jose's alike). It bounds each request by `timeoutMs` (openid-client counts
 * timeouts in seconds, which sub-second tests cannot use) and, for
 * oidc_verify_cert=false, skips certificate verification. Redirects are never
 * followed; both libraries ask for that.
 */
export function providerFetch(options: { timeoutMs: number; verifyCert: boolean }): ProviderFetch {
  return async (url, init) => {
    const bounded = { ...init, signal: AbortSignal.timeout(options.timeoutMs) };
    if (options.verifyCert || !url.startsWith('https:')) {
      return await fetch(url, { ...bounded, body: bounded.body as RequestInit['body'], redirect: 'manual' });
    }
    return await fetchWithoutCertificateCheck(url, bounded);
  };
}

/**
 * Harbor's InsecureSkipVerify transport. Node's fetch has no per-request
 * switch for it (undici's Agent is not exposed without the undici package),
 * so this goes through node:https with rejectUnauthorized false.
 */
async function fetchWithoutCertificateCheck(url: string, init: ProviderFetchInit & { signal: AbortSignal }): Promise<Response> {
  if (init.body != null && typeof init.body !== 'string' && !(init.body instanceof URLSearchParams)) {
    throw new TypeError('only string and form bodies are supported');
  }
  const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers) : init.headers;
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers, rejectUnauthorized: false, signal: init.signal }, (res) => {
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
      const status = res.statusCode ?? 502;
      if (NULL_BODY_STATUSES.has(status)) res.resume();
      const body = NULL_BODY_STATUSES.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
      resolve(new Response(body, { status, statusText: res.statusMessage, headers: responseHeaders }));
    });
    // As fetch() does: transport failures are a TypeError with the reason as cause.
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    req.end(init.body == null ? undefined : String(init.body));
  });
}
