import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { Peer } from './netns.ts';

/**
 * nginx or HAProxy (Debian's) in its own namespace, terminating TLS with a
 * test CA's certificate and forwarding to the replicas, run from the exact
 * configuration docs/reverse-proxy.md documents — read from that file, with
 * only the documentation's host name, certificate paths, replica addresses
 * and log path replaced — plus a test-only wrapper holding the pid, log and
 * temp paths, so the system's service and files are never used.
 */

export type ProxyKind = 'nginx' | 'haproxy';

const DOC = new URL('../../../docs/reverse-proxy.md', import.meta.url);

/** The fenced block of `language` in docs/reverse-proxy.md (the one recipe of that kind). */
export function documentedConfig(kind: ProxyKind): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === kind);
  if (blocks.length !== 1) throw new Error(`docs/reverse-proxy.md has ${blocks.length} \`\`\`${kind} blocks, want exactly one`);
  return blocks[0]![2]!;
}

/** Replaces each documented value, failing if one is no longer in the recipe (the test would silently run something else). */
export function substitute(text: string, replacements: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(replacements)) {
    if (!out.includes(from)) throw new Error(`the documented recipe no longer contains ${from}`);
    out = out.split(from).join(to);
  }
  return out;
}

export interface Tls {
  dir: string;
  caCertificate: string;
  certificate: string;
  key: string;
  /** certificate chain then key, as HAProxy reads it */
  pem: string;
  /** A directory holding the CA as `ca.crt`: containers/image's --cert-dir. */
  certDir: string;
}

/** A test CA and a server certificate for `address` (SAN IP: the name clients use), via openssl. */
export function makeTls(dir: string, address: string): Tls {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/CN=Berth HA test CA');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', `/CN=${address}`);
  writeFileSync(file('server.ext'), `subjectAltName=IP:${address}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('server.ext'), '-out', file('server.crt'));
  writeFileSync(file('server.pem'), readFileSync(file('server.crt'), 'utf8') + readFileSync(file('server.key'), 'utf8'));
  const certDir = file('certs.d');
  mkdirSync(certDir, { recursive: true });
  writeFileSync(join(certDir, 'ca.crt'), readFileSync(file('ca.crt')));
  return { dir, caCertificate: file('ca.crt'), certificate: file('server.crt'), key: file('server.key'), pem: file('server.pem'), certDir };
}

export interface Proxy {
  kind: ProxyKind;
  /** https://<address> */
  url: string;
  address: string;
  /** The access log so far (nginx: its file; HAProxy: its stdout). */
  accessLog(): string;
  /** What the proxy said about upstream failures (nginx: its error log; HAProxy: its stdout). */
  errorLog(): string;
  stop(): Promise<void>;
}

function renderedConfig(kind: ProxyKind, dir: string, tls: Tls, address: string, replicas: string[]): string {
  const [first, second] = replicas;
  const common = { 'registry.example.com': address, '10.0.0.11:8080': first!, '10.0.0.12:8080': second! };
  return kind === 'nginx'
    ? substitute(documentedConfig('nginx'), {
        ...common,
        '/etc/berth/tls/registry.crt': tls.certificate,
        '/etc/berth/tls/registry.key': tls.key,
        '/var/log/nginx/berth-access.log': join(dir, 'access.log'),
      })
    : substitute(documentedConfig('haproxy'), { '/etc/berth/tls/registry.pem': tls.pem, '10.0.0.11:8080': first!, '10.0.0.12:8080': second! });
}

/**
 * Writes the documented recipe for `address` and `replicas` into `dir`, with
 * the test-only wrapper around it, and returns the command that runs it in the
 * foreground (add -t for nginx, -c for HAProxy to only check it).
 */
export function writeProxyConfig(kind: ProxyKind, dir: string, tls: Tls, address: string, replicas: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  writeFileSync(file('berth.conf'), renderedConfig(kind, dir, tls, address, replicas));
  if (kind === 'nginx') {
    for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(file(temp), { recursive: true });
    writeFileSync(
      file('nginx.conf'),
      [
        'daemon off;',
        'user root;',
        'worker_processes 1;',
        `pid ${file('nginx.pid')};`,
        `error_log ${file('error.log')} warn;`,
        'events { worker_connections 1024; }',
        'http {',
        `  client_body_temp_path ${file('body')};`,
        `  proxy_temp_path ${file('proxy')};`,
        `  fastcgi_temp_path ${file('fastcgi')};`,
        `  uwsgi_temp_path ${file('uwsgi')};`,
        `  scgi_temp_path ${file('scgi')};`,
        `  access_log off;`,
        `  include ${file('berth.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    return ['nginx', '-e', file('error.log'), '-p', dir, '-c', file('nginx.conf')];
  }
  writeFileSync(file('global.cfg'), ['global', '    log stdout format raw local0', `    pidfile ${file('haproxy.pid')}`, '    maxconn 4000', ''].join('\n'));
  return ['haproxy', '-db', '-f', file('global.cfg'), '-f', file('berth.conf')];
}

export async function startProxy(kind: ProxyKind, peer: Peer, dir: string, tls: Tls, replicas: string[]): Promise<Proxy> {
  const file = (name: string) => join(dir, name);
  const args = writeProxyConfig(kind, dir, tls, peer.address, replicas);
  const [command, ...rest] = [...peer.wrapper, ...args];
  const child: ChildProcess = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `https://${peer.address}`;
  const agent = new Agent({ ca: readFileSync(tls.caCertificate), keepAlive: false });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}:\n${output}`);
    const status = await new Promise<number>((resolve) => {
      request(`${url}/v2/`, { agent }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', () => resolve(0))
        .end();
    });
    // 401: through the proxy to a replica, which asks for credentials.
    if (status === 401) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not forward /v2/ within 20 s (last status ${status}):\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    kind,
    url,
    address: peer.address,
    accessLog: () => (kind === 'nginx' ? readFileSync(file('access.log'), 'utf8') : output),
    errorLog: () => (kind === 'nginx' ? readFileSync(file('error.log'), 'utf8') : output),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
