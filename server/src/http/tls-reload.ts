import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../logger.ts';

/** How often the files are looked at: two stat calls, nothing read unless they changed. */
const POLL_INTERVAL_MS = 1000;

export interface TlsPair {
  key: Buffer;
  cert: Buffer;
}

/**
 * Serves a renewed certificate without a restart. cert-manager swaps a
 * symlinked directory, certbot repoints symlinks, others overwrite in place:
 * the files are polled by what they resolve to (device, inode, size, mtime),
 * which sees all three where a watch on the path or its directory misses some.
 * A change is loaded once it has held still for one interval (not between
 * the writes of the key and of the certificate); new TLS connections then get
 * the new pair, established ones keep theirs. A pair that does not load (a
 * key not matching the certificate, garbage) is logged once and the old one
 * kept. `served` is updated in place: it is what /systeminfo/getcert hands out.
 */
export function reloadCertificateOnChange(server: TlsServer, files: { certificate: string; privateKey: string }, served: TlsPair, log: Logger): { stop(): void } {
  const signature = async () => {
    const stats = await Promise.all([stat(files.certificate), stat(files.privateKey)]).catch((error: NodeJS.ErrnoException) => error.code ?? 'unreadable');
    return typeof stats === 'string' ? stats : stats.map((s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`).join('/');
  };
  let applied: string | undefined;
  let seen: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const load = async (current: string) => {
    try {
      const pair = { cert: await readFile(files.certificate), key: await readFile(files.privateKey) };
      // Throws on a mismatched or unreadable pair, before the server is touched.
      createSecureContext(pair);
      server.setSecureContext(pair);
      Object.assign(served, pair);
      log.info({ certificate: files.certificate }, 'loaded the renewed TLS certificate for new connections');
    } catch (error) {
      log.error({ err: error, certificate: files.certificate, private_key: files.privateKey }, 'the changed TLS certificate or key does not load; still serving the previous pair');
    }
    applied = current;
  };

  const poll = async () => {
    const current = await signature();
    if (current === seen && current !== applied) await load(current);
    seen = current;
    if (!stopped) timer = setTimeout(() => void poll(), POLL_INTERVAL_MS).unref();
  };
  void signature().then((initial) => {
    applied = seen = initial;
    if (!stopped) timer = setTimeout(() => void poll(), POLL_INTERVAL_MS).unref();
  });
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
