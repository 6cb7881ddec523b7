import type { FastifyRequest } from 'fastify';

/** The value of cookie `name` on the request, if sent (the first one, when a browser sends several). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; absent: a browser-session cookie. 0 deletes the cookie. */
  maxAge?: number;
}

/**
 * A Set-Cookie value, always HttpOnly (scripts never need Berth's cookies)
 * and SameSite=Lax (sent on top-level navigations, such as the provider's
 * redirect back to the OIDC callback, but not on cross-site POSTs).
 * Values are Berth's own base64url strings, so nothing needs escaping.
 */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
