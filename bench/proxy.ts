/**
 * Berth through nginx (npm run bench, section 10; alone: BENCH_ONLY=proxy npm run bench):
 *
 *   node bench/proxy.ts [seconds] [rounds]
 *
 * Builds server/test/ha's cluster — two replicas, each in its own network namespace, on one PostgreSQL
 * and one filesystem storage, behind nginx running docs/reverse-proxy.md's recipe with TLS — plus a
 * second nginx from the same recipe whose two upstream entries both name replica 1. Then, alternating
 * the three targets in each of [rounds] (default 3) rounds of [seconds] (default 10) each:
 *   - manifest GET req/s: wrk -t2 -c32 with keep-alive, as bench section 4;
 *   - concurrent push throughput: 8 clients each pushing small images (a 64 KiB layer, a config, a tagged
 *     manifest; keep-alive https) as fast as they can;
 * through nginx to two replicas, through nginx to one replica, and straight to replica 1 (plain HTTP):
 * one vs two replicas side by side, and the proxy hop's own cost (TLS termination included) against
 * a direct connection. Needs root (network namespaces); without, says why and records nothing.
 * Prints "key value" lines (bench/run.sh records them) and a summary on stderr.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { ADMIN_AUTH } from '../server/test/fixtures/registry-client.ts';
import { startCluster } from '../server/test/ha/cluster.ts';
import { newCounter, pullImage, pushImage, smallImage } from '../server/test/ha/http.ts';
import { namespacesUnavailable } from '../server/test/ha/netns.ts';
import { makeTls, startProxy } from '../server/test/ha/proxy.ts';
import { imageOf, makeLayer } from '../server/test/fixtures/image-builder.ts';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const PUSHERS = 8;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const say = (line: string) => process.stderr.write(`${line}\n`);
const rec = (key: string, value: string | number) => process.stdout.write(`${key} ${value}\n`);

const unavailable = namespacesUnavailable();
if (unavailable) {
  say(`10. through nginx: skipped: ${unavailable}`);
  process.exit(0);
}

const cluster = await startCluster({ proxy: 'nginx', storage: 'filesystem', env: { BERTH_LOG_LEVEL: 'warn' } });
try {
  const [first] = cluster.replicas;
  const onePeer = cluster.network.addPeer('proxy1');
  const oneTls = makeTls(join(cluster.tls.dir, '..', 'tls-one'), onePeer.address);
  const one = await startProxy('nginx', onePeer, join(cluster.tls.dir, '..', 'proxy-one'), oneTls, [first.host, first.host]);
  const targets = [
    { key: 'nginx_two_replicas', url: cluster.proxy.url, agent: new Agent({ ca: readFileSync(cluster.tls.caCertificate), keepAlive: true }) },
    { key: 'nginx_one_replica', url: one.url, agent: new Agent({ ca: readFileSync(oneTls.caCertificate), keepAlive: true }) },
    { key: 'direct_one_replica', url: first.url, agent: undefined },
  ];
  rec('proxy.meta.cpus', cpus().length);
  // nginx -v prints its version on stderr.
  rec('proxy.meta.nginx', spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim());
  rec('proxy.meta.loadavg_start', loadavg().map((l) => l.toFixed(2)).join(' '));

  const seed = await smallImage();
  await pushImage(cluster.proxy.url, 'library/bench-proxy', 'v1', seed, targets[0]!.agent, newCounter());
  for (const target of targets) await pullImage(target.url, 'library/bench-proxy', 'v1', seed, target.agent, newCounter());

  // Where the CPU goes during a run: each component's processes (by namespace) against the machine's busy time.
  const nsPids = (namespace: string) => execFileSync('ip', ['netns', 'pids', namespace], { encoding: 'utf8' }).split('\n').filter(Boolean);
  // utime + stime, plus cutime + cstime: a PostgreSQL backend that ends mid-run is counted in its postmaster's.
  const ticks = (namespaces: string[]) =>
    namespaces.flatMap(nsPids).reduce((sum, pid) => {
      let stat: string[];
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      } catch {
        return sum; // ended since listed: its parent has its time
      }
      return sum + Number(stat[11]) + Number(stat[12]) + Number(stat[13]) + Number(stat[14]);
    }, 0);
  const machineBusy = () => {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    return fields.reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
  };
  const components: Record<string, string[]> = {
    replica1: [cluster.peers.replicas[0].namespace],
    replica2: [cluster.peers.replicas[1].namespace],
    nginx: [cluster.peers.proxy.namespace, onePeer.namespace],
    postgres: [cluster.peers.db.namespace],
  };
  const cpuDuring = async <T>(run: () => Promise<T> | T): Promise<{ result: T; cpu: Record<string, number> }> => {
    const before = Object.fromEntries(Object.entries(components).map(([name, namespaces]) => [name, ticks(namespaces)]));
    const busy0 = machineBusy();
    const self0 = process.cpuUsage();
    const result = await run();
    const self = process.cpuUsage(self0);
    const cpu: Record<string, number> = {};
    let ours = 0;
    for (const [name, namespaces] of Object.entries(components)) {
      cpu[name] = (ticks(namespaces) - before[name]!) / CLK_TCK;
      ours += cpu[name]!;
    }
    // The push clients run in this process; wrk, and whatever else the machine runs, is in `rest`.
    cpu.bench_clients = (self.user + self.system) / 1e6;
    cpu.machine = (machineBusy() - busy0) / CLK_TCK;
    cpu.rest = cpu.machine - ours - cpu.bench_clients;
    return { result, cpu };
  };
  const cpuText = (cpu: Record<string, number>) => Object.entries(cpu).map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`).join(', ');

  const wrk = (url: string, duration: number) => {
    const out = execFileSync(
      'wrk',
      ['-t2', '-c32', `-d${duration}s`, '-H', `Authorization: ${ADMIN_AUTH}`, '-H', `Accept: ${seed.manifest.mediaType}`, `${url}/v2/library/bench-proxy/manifests/v1`],
      { encoding: 'utf8' },
    );
    const rps = Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1]);
    const latency = /^\s+Latency\s+(\S+)/m.exec(out)?.[1] ?? '?';
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const errors = [...(/Socket errors: (.*)/.exec(out)?.[1] ?? '').matchAll(/\d+/g)].reduce((sum, m) => sum + Number(m[0]), 0);
    return { rps, latency, non2xx, errors };
  };

  const layer = await makeLayer(64 * 1024);
  const pushes = async (target: (typeof targets)[number], duration: number) => {
    const counter = newCounter();
    const deadline = Date.now() + duration * 1000;
    let images = 0;
    let bytes = 0;
    await Promise.all(
      Array.from({ length: PUSHERS }, async (_, client) => {
        for (let n = 0; Date.now() < deadline; n++) {
          // A fresh config per image (its created time) keeps every push a new manifest; the layer is new per client and round.
          const image = imageOf([n === 0 ? await makeLayer(64 * 1024) : layer], { created: new Date(Date.now() + n).toISOString() });
          await pushImage(target.url, `library/bench-proxy-push-${client}`, `t${n}`, image, target.agent, counter);
          images++;
          bytes += image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0) + image.manifest.size;
        }
      }),
    );
    return { perSecond: images / duration, mbps: bytes / duration / 1e6, retries: counter.retries };
  };

  say(`10. through nginx (docs/reverse-proxy.md, TLS): two replicas, one replica, and replica 1 directly; ${rounds} rounds of ${seconds} s each`);
  for (const target of targets) wrk(target.url, 2); // warm-up: JIT, connection pools
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? targets : [...targets].reverse();
    for (const target of order) {
      const { result, cpu } = await cpuDuring(() => wrk(target.url, seconds));
      rec(`proxy.${target.key}.manifest_get.rps`, result.rps);
      rec(`proxy.${target.key}.manifest_get.non2xx`, result.non2xx + result.errors);
      for (const [name, cpuSeconds] of Object.entries(cpu)) rec(`proxy.${target.key}.manifest_get.cpu_seconds.${name}`, cpuSeconds.toFixed(2));
      say(`  round ${round} ${target.key.padEnd(20)} manifest GET ${result.rps.toFixed(0)} req/s (mean latency ${result.latency}, non-2xx/errors ${result.non2xx + result.errors}); CPU s: ${cpuText(cpu)}`);
    }
    for (const target of order) {
      const { result, cpu } = await cpuDuring(() => pushes(target, seconds));
      rec(`proxy.${target.key}.push.images_per_second`, result.perSecond.toFixed(2));
      rec(`proxy.${target.key}.push.retries`, result.retries);
      for (const [name, cpuSeconds] of Object.entries(cpu)) rec(`proxy.${target.key}.push.cpu_seconds.${name}`, cpuSeconds.toFixed(2));
      say(`  round ${round} ${target.key.padEnd(20)} ${PUSHERS} pushers: ${result.perSecond.toFixed(1)} images/s (${result.mbps.toFixed(2)} MB/s, retries ${result.retries}); CPU s: ${cpuText(cpu)}`);
    }
  }
  rec('proxy.meta.loadavg_end', loadavg().map((l) => l.toFixed(2)).join(' '));
  await one.stop();
} finally {
  await cluster.destroy();
}
