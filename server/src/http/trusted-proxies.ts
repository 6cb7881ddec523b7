import { BlockList, isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { BerthConfig } from '../config/config.ts';

/** A proxy on this host: what `behind_proxy: true` can vouch for without a list of addresses. */
const LOOPBACK = ['127.0.0.0/8', '::1'];

/**
 * Fastify's trustProxy: whether the peer at `address` may speak for the client
 * in X-Forwarded-For/-Proto/-Host. Anyone can send those headers; only a peer
 * listed in http.trusted_proxies (or loopback, for the older `behind_proxy:
 * true` without a list) is believed — else a client could choose the token
 * realm Berth hands out, the scheme its cookies' Secure flag follows and the
 * address its requests are logged under. Undefined: nobody is (Fastify's
 * default, which reads the socket alone). IPv4 peers of a dual-stack listener
 * (::ffff:10.0.0.1) match IPv4 entries.
 */
export function trustedProxies(config: Pick<BerthConfig, 'http' | 'behind_proxy'>): ((address: string) => boolean) | undefined {
  const entries = config.http.trusted_proxies.length > 0 ? config.http.trusted_proxies : config.behind_proxy ? LOOPBACK : [];
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The usual mistake behind a wrong token realm: a proxy in front that is not
 * trusted (or no external_url). Its forwarded headers are ignored, rightly;
 * the first such request is logged so the operator learns which address to
 * list. Once per process: a client sending them on purpose fills no log.
 */
export function warnOfUntrustedForwarding(app: FastifyInstance, trusted: ((address: string) => boolean) | undefined): void {
  let warned = false;
  app.addHook('onRequest', async (request) => {
    if (warned || (request.headers['x-forwarded-proto'] === undefined && request.headers['x-forwarded-host'] === undefined)) return;
    const peer = request.raw.socket.remoteAddress ?? '';
    if (trusted?.(peer)) return;
    warned = true;
    request.log.warn({ peer }, `ignoring X-Forwarded-Proto/-Host from ${peer}, which is not in http.trusted_proxies: list the reverse proxy's address there, or set external_url`);
  });
}
