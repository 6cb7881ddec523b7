import { mkdtempSync, rmSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { startS3Server, type S3Server } from '../fixtures/s3-server.ts';
import { createNetwork, type Network, type Peer } from './netns.ts';
import { startPostgres, type HaPostgres } from './postgres.ts';
import { makeTls, startProxy, type Proxy, type ProxyKind, type Tls } from './proxy.ts';

export type StorageKind = 'filesystem' | 's3';

/** Settings every replica gets on top of the cluster's (tests add their own). */
export interface ClusterOptions {
  proxy: ProxyKind;
  storage: StorageKind;
  env?: Record<string, string>;
  /** Start the replicas together (both find an empty database) rather than one after the other. */
  startTogether?: boolean;
}

export interface Cluster {
  network: Network;
  postgres: HaPostgres;
  databaseUrl: string;
  replicas: [BerthProcess, BerthProcess];
  /** The namespaces: each replica's (in order), the proxy's and the database's. */
  peers: { replicas: [Peer, Peer]; proxy: Peer; db: Peer };
  proxy: Proxy;
  tls: Tls;
  /** An https agent trusting the test CA, without keep-alive (each request is balanced on its own). */
  agent: Agent;
  /** The name clients use: the proxy's address (and port 443). */
  registryHost: string;
  s3?: S3Server;
  destroy(): Promise<void>;
}

/**
 * Two Berth replicas, each in its own namespace, on one PostgreSQL (in a
 * namespace of its own) and one storage (a directory both see, or s3rver on the bridge),
 * behind the proxy in a third namespace, whose https URL is external_url.
 * Each replica has its own data directory, as separate hosts would.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ha-'));
  const network = createNetwork();
  const cleanups: (() => Promise<void> | void)[] = [() => network.destroy(), () => rmSync(dir, { recursive: true, force: true })];
  const destroy = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Best effort: the rest must still go.
      }
    }
  };
  try {
    const peers: Peer[] = [network.addPeer('r1'), network.addPeer('r2')];
    const proxyPeer = network.addPeer('proxy');
    const dbPeer = network.addPeer('db');
    const postgres = await startPostgres(dbPeer, network.subnet);
    cleanups.push(() => postgres.destroy());
    const databaseUrl = await postgres.createDatabase('berth');
    let s3: S3Server | undefined;
    const storageEnv: Record<string, string> = {};
    if (options.storage === 's3') {
      s3 = await startS3Server({ address: network.gateway });
      cleanups.push(() => s3!.stop());
      Object.assign(storageEnv, {
        BERTH_STORAGE_S3_BUCKET: s3.bucket,
        BERTH_STORAGE_S3_REGION: s3.region,
        BERTH_STORAGE_S3_REGIONENDPOINT: s3.endpoint,
        BERTH_STORAGE_S3_ACCESSKEY: s3.accessKeyId,
        BERTH_STORAGE_S3_SECRETKEY: s3.secretAccessKey,
      });
    } else {
      storageEnv.BERTH_STORAGE_FILESYSTEM_ROOTDIRECTORY = join(dir, 'registry');
    }
    const tls = makeTls(join(dir, 'tls'), proxyPeer.address);
    const externalUrl = `https://${proxyPeer.address}`;
    const env = {
      BERTH_EXTERNAL_URL: externalUrl,
      BERTH_HTTP_TRUSTED_PROXIES: proxyPeer.address,
      // Debug: every request's arrival and completion is logged with its id, which tells which replica served it.
      BERTH_LOG_LEVEL: 'debug',
      BERTH_HTTP_SHUTDOWN_DELAY: '3s',
      BERTH_HTTP_DRAIN_TIMEOUT: '20s',
      ...storageEnv,
      ...options.env,
    };
    const start = (peer: Peer) => startBerth({ address: peer.address, wrapper: peer.wrapper, databaseUrl, env });
    const replicas: BerthProcess[] = [];
    const track = (replica: BerthProcess) => {
      replicas.push(replica);
      cleanups.push(() => replica.destroy());
    };
    if (options.startTogether) {
      const started = await Promise.allSettled(peers.map(start));
      for (const result of started) if (result.status === 'fulfilled') track(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      for (const peer of peers) track(await start(peer));
    }
    const proxy = await startProxy(options.proxy, proxyPeer, join(dir, 'proxy'), tls, replicas.map((replica) => replica.host));
    cleanups.push(() => proxy.stop());
    return {
      network,
      postgres,
      databaseUrl,
      replicas: replicas as [BerthProcess, BerthProcess],
      peers: { replicas: peers as [Peer, Peer], proxy: proxyPeer, db: dbPeer },
      proxy,
      tls,
      agent: new Agent({ ca: readFileSync(tls.caCertificate), keepAlive: false }),
      registryHost: proxyPeer.address,
      ...(s3 && { s3 }),
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
