import type { FastifyRequest } from 'fastify';

/**
 * The scheme and host clients reach Berth under, without a trailing slash:
 * external_url when configured, else the request's own (the proxy's, from
 * X-Forwarded-Proto/Host, when behind_proxy). Used for URLs handed to clients
 * (the token realm, the OIDC callback).
 */
export function externalBaseUrl(request: FastifyRequest, externalUrl: string | undefined, behindProxy: boolean): string {
  if (externalUrl) return externalUrl.replace(/\/+$/, '');
  const forwardedHost = behindProxy ? firstValue(request.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost && /^[A-Za-z0-9.:[\]-]+$/.test(forwardedHost) ? forwardedHost : request.host;
  return `${requestScheme(request, behindProxy)}://${host}`;
}

/** Whether cookies must be Secure: the client reaches Berth over HTTPS (directly, through the proxy, or as external_url says). */
export function reachedOverHttps(request: FastifyRequest, externalUrl: string | undefined, behindProxy: boolean): boolean {
  return externalUrl?.toLowerCase().startsWith('https:') === true || requestScheme(request, behindProxy) === 'https';
}

function requestScheme(request: FastifyRequest, behindProxy: boolean): string {
  const forwardedProto = behindProxy ? firstValue(request.headers['x-forwarded-proto']) : undefined;
  return forwardedProto && /^https?$/i.test(forwardedProto) ? forwardedProto.toLowerCase() : request.protocol;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',')[0]?.trim() || undefined;
}
