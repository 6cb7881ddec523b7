import { execFileSync } from 'node:child_process';

/**
 * A private network for one test process: a Linux bridge in the root
 * namespace holding the subnet's first address (the test, PostgreSQL and S3
 * listen there), and one network namespace per peer (each Berth replica, the
 * proxy) joined to the bridge by a veth pair, each with its own address and
 * its own ports — so every replica can listen on the same port, the proxy on
 * 443, and an address names exactly one process, as on separate hosts.
 *
 * Names carry the test process's pid (`berth-ha-<pid>-<peer>` namespaces,
 * `bha<pid>…` links): a run killed before its cleanup leaves names whose pid
 * is gone, and the next run removes them before building its own.
 */

const NAMESPACE = /^berth-ha-(\d+)-/;
const LINK = /^bha(\d+)[bvi]/;

export interface Peer {
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  address: string;
  /** Prefix that runs a command inside the namespace (it execs the command, so pids stay the command's). */
  wrapper: string[];
}

export interface Network {
  /** The bridge's address in the root namespace (where the test runs). */
  gateway: string;
  /** The subnet, CIDR notation. */
  subnet: string;
  addPeer(name: string): Peer;
  destroy(): void;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why this machine cannot build the network, or undefined when it can (root, and `ip netns add` works). */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'test/ha needs root to create network namespaces (ip netns add)';
  const probe = `berth-ha-${process.pid}-probe`;
  try {
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
  } catch (error) {
    return `network namespaces are not permitted here: ip netns add failed (${(error as Error).message.split('\n')[0]})`;
  }
  try {
    execFileSync('sh', ['-c', 'command -v nginx && command -v haproxy && command -v openssl'], { stdio: 'ignore' });
  } catch {
    return 'nginx, haproxy or openssl is missing: run scripts/install-test-deps.sh';
  }
  return undefined;
}

/** Removes the namespaces and links of test processes that are gone (a run killed before its cleanup). */
function removeLeftovers(): void {
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = NAMESPACE.exec(name);
    if (!owner || alive(Number(owner[1]))) continue;
    killNamespace(name);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    const owner = name ? LINK.exec(name) : null;
    if (!name || !owner || alive(Number(owner[1]))) continue;
    try {
      ip('link', 'del', name);
    } catch {
      // A veth disappears with its peer's namespace.
    }
  }
}

/** Ends whatever still runs in a namespace, then removes it. */
function killNamespace(name: string): void {
  try {
    for (const pid of ip('netns', 'pids', name).split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    ip('netns', 'del', name);
  } catch {
    // Removed meanwhile.
  }
}

/** A subnet no live run uses: 10.231.N.0/24, N picked from this pid, moved on past subnets already on a link. */
function freeSubnet(): number {
  const used = ip('-4', '-o', 'addr', 'show');
  for (let i = 0; i < 250; i++) {
    const n = ((process.pid + i) % 250) + 1;
    if (!used.includes(`10.231.${n}.`)) return n;
  }
  throw new Error('no free 10.231.N.0/24 subnet for test/ha');
}

export function createNetwork(): Network {
  removeLeftovers();
  const n = freeSubnet();
  const prefix = `10.231.${n}`;
  const bridge = `bha${process.pid}b`;
  const namespaces: string[] = [];
  const links: string[] = [bridge];
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const name of namespaces) killNamespace(name);
    for (const link of links) {
      try {
        ip('link', 'del', link);
      } catch {
        // Gone with its namespace.
      }
    }
    process.off('exit', destroy);
  };
  // Also when the test process ends without running its after() hooks (an uncaught error).
  process.on('exit', destroy);
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${prefix}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
  } catch (error) {
    destroy();
    throw error;
  }
  let next = 10;
  return {
    gateway: `${prefix}.1`,
    subnet: `${prefix}.0/24`,
    addPeer(name) {
      const host = next++;
      const namespace = `berth-ha-${process.pid}-${name}`;
      const outside = `bha${process.pid}v${host}`;
      const inside = `bha${process.pid}i${host}`;
      const address = `${prefix}.${host}`;
      ip('netns', 'add', namespace);
      namespaces.push(namespace);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      links.push(outside);
      ip('link', 'set', inside, 'netns', namespace);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', inside);
      ip('-n', namespace, 'link', 'set', inside, 'up');
      return { namespace, address, wrapper: ['ip', 'netns', 'exec', namespace] };
    },
    destroy,
  };
}
