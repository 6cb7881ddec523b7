import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster, type StorageKind } from './cluster.ts';
import { namespacesUnavailable } from './netns.ts';
import type { ProxyKind } from './proxy.ts';
import {
  chunkedUploadHopsReplicasAndSurvivesTheLossOfOne,
  clientsPushAndPullThroughTheProxy,
  realmAndLocationsCarryTheExternalUrl,
  tokensAndSessionsWorkOnEitherReplica,
} from './scenarios.ts';

/**
 * The other proxy and storage combinations run a representative subset
 * (skopeo's push and pull, the realm and Locations, the chunked upload's hops and the
 * loss of a replica, tokens and sessions); nginx on a filesystem runs every
 * scenario (nginx-filesystem.test.ts), keeping test/ha's time down.
 */
const unavailable = namespacesUnavailable();
const combinations: [ProxyKind, StorageKind][] = [
  ['haproxy', 'filesystem'],
  ['nginx', 's3'],
  ['haproxy', 's3'],
];

for (const [proxy, storage] of combinations) {
  describe(`two replicas behind ${proxy} on ${storage === 's3' ? 'S3' : 'a shared filesystem'} (subset)`, { skip: unavailable }, () => {
    let cluster: Cluster;
    before(async () => {
      cluster = await startCluster({ proxy, storage, startTogether: true });
    });
    after(() => cluster?.destroy());

    test(`skopeo pushes and pulls through ${proxy} with TLS verified against the CA`, () => clientsPushAndPullThroughTheProxy(cluster, { podman: false }));
    test('the token realm and upload Locations carry the external https URL', () => realmAndLocationsCarryTheExternalUrl(cluster));
    test("a chunked upload's PATCHes alternate replicas, and it completes after the replica holding a PATCH is killed", (t) =>
      chunkedUploadHopsReplicasAndSurvivesTheLossOfOne(cluster, t));
    test('a token from one replica and a portal session from one work on the other', () => tokensAndSessionsWorkOnEitherReplica(cluster));
  });
}
