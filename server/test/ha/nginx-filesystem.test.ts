import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from './cluster.ts';
import { namespacesUnavailable } from './netns.ts';
import {
  chunkedUploadHopsReplicasAndSurvivesTheLossOfOne,
  clientsPushAndPullThroughTheProxy,
  databaseRestartUnderLoad,
  oneMigrationRun,
  realmAndLocationsCarryTheExternalUrl,
  rollingRestartUnderLoad,
  tokensAndSessionsWorkOnEitherReplica,
} from './scenarios.ts';

/** The full list of test/ha's behaviours, on one combination: nginx in front, storage on a shared filesystem. */
const unavailable = namespacesUnavailable();
const ACQUIRE_TIMEOUT_MS = 2000;

describe('two replicas behind nginx on a shared filesystem (every scenario)', { skip: unavailable }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ proxy: 'nginx', storage: 'filesystem', startTogether: true, env: { BERTH_DATABASE_ACQUIRE_TIMEOUT: `${ACQUIRE_TIMEOUT_MS}ms` } });
  });
  after(() => cluster?.destroy());

  test('replicas started together on an empty database run the migrations once, and both serve', () => oneMigrationRun(cluster));
  test('skopeo and podman push and pull through nginx with TLS verified against the CA', () => clientsPushAndPullThroughTheProxy(cluster, { podman: true }));
  test('the token realm and upload Locations carry the external https URL', () => realmAndLocationsCarryTheExternalUrl(cluster));
  test("a chunked upload's PATCHes alternate replicas, and it completes after the replica holding a PATCH is killed", (t) =>
    chunkedUploadHopsReplicasAndSurvivesTheLossOfOne(cluster, t));
  test('a token from one replica and a portal session (with its CSRF token) from one work on the other', () => tokensAndSessionsWorkOnEitherReplica(cluster));
  test('a rolling restart under 20 clients pushing and pulling loses no request beyond their retries; each drain exits 0 with /readyz 503', (t) =>
    rollingRestartUnderLoad(cluster, t));
  test('the database restarted under load: replicas not ready meanwhile, no request hangs, recovery without a restart', (t) =>
    databaseRestartUnderLoad(cluster, t, ACQUIRE_TIMEOUT_MS));
});
