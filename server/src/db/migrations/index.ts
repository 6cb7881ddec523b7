import type { Migration } from 'kysely';
import * as registry from './0001-registry.ts';
import * as signingKey from './0002-signing-key.ts';
import * as userProfile from './0003-user-profile.ts';
import * as access from './0004-access.ts';
import * as oidcOnboarding from './0005-sessions-oidc-onboarding.ts';
import * as artifactApi from './0006-artifact-api.ts';
import * as quotas from './0007-quotas.ts';
import * as labels from './0008-labels.ts';
import * as benchIndexes from './0009-bench-indexes.ts';
import * as libraryAdminMember from './0010-library-admin-member.ts';
import * as unenforcedPoliciesOff from './0011-unenforced-policies-off.ts';
import * as eventsOutbox from './0012-events-outbox.ts';
import * as jobService from './0013-job-service.ts';
import * as immutabilityRetention from './0014-immutability-retention.ts';
import * as garbageCollection from './0015-garbage-collection.ts';
import * as auditPurge from './0017-audit-purge.ts';
import * as metricsIndexes from './0020-metrics-indexes.ts';

/** Every migration, in order. Names are permanent: never rename or reorder a shipped one. */
export const migrations: Record<string, Migration> = {
  '0001-registry': registry,
  '0002-signing-key': signingKey,
  '0003-user-profile': userProfile,
  '0004-access': access,
  '0005-sessions-oidc-onboarding': oidcOnboarding,
  '0006-artifact-api': artifactApi,
  '0007-quotas': quotas,
  '0008-labels': labels,
  '0009-bench-indexes': benchIndexes,
  '0010-library-admin-member': libraryAdminMember,
  '0011-unenforced-policies-off': unenforcedPoliciesOff,
  '0012-events-outbox': eventsOutbox,
  '0013-job-service': jobService,
  '0014-immutability-retention': immutabilityRetention,
  '0015-garbage-collection': garbageCollection,
  '0017-audit-purge': auditPurge,
  '0020-metrics-indexes': metricsIndexes,
};
