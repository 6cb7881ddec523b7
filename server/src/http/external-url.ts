import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';

/**
 * The scheme and host clients reach Berth under, without a trailing slash:
 * external_url when configured, else the request's own. request.host and
 * request.protocol follow X-Forwarded-Host/-Proto only when the peer is a
 * trusted proxy (http.trusted_proxies, Fastify's trustProxy: see
 * trusted-proxies.ts), and then the value that proxy appended (the last).
 * Used for URLs handed to clients (the token realm, the OIDC callback).
 */
export function externalBaseUrl(request: FastifyRequest, externalUrl: string | undefined): string {
  if (externalUrl) return externalUrl.replace(/\/+$/, '');
  const host = /^[A-Za-z0-9.:[\]-]+$/.test(request.host) ? request.host : (request.headers.host ?? '');
  return `${requestScheme(request)}://${host}`;
}

/** Whether cookies must be Secure: the client reaches Berth over HTTPS (directly, through a trusted proxy, or as external_url says). */
export function reachedOverHttps(request: FastifyRequest, externalUrl: string | undefined): boolean {
  return externalUrl?.toLowerCase().startsWith('https:') === true || requestScheme(request) === 'https';
}

function requestScheme(request: FastifyRequest): string {
  const scheme = request.protocol.toLowerCase();
  if (scheme === 'https' || scheme === 'http') return scheme;
  return (request.raw.socket as TLSSocket).encrypted ? 'https' : 'http';
}
