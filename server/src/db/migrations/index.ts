/*
 * Rules for migration authors (docs/upgrading.md explains them for operators).
 *
 * During a rolling upgrade, release N keeps serving while release N+1 starts
 * and applies its migrations, so N runs on N+1's schema for a while. Declare
 * each migration:
 *
 * - expand(…): release N still works on the schema after it. Add tables, add
 *   columns that are nullable or have a default, add indexes (CONCURRENTLY is
 *   not possible inside the migrations' transaction: keep them on tables that
 *   build quickly), backfill data N ignores. N's reads and INSERTs must behave
 *   as before.
 * - breaking(…): N would fail or do the wrong thing: dropping or renaming a
 *   table or column, changing a type, NOT NULL without a default, a constraint
 *   N's writes break, data rewritten into a shape N misreads. Applying it
 *   raises the database's minimum (schema_compatibility) to this migration,
 *   so N refuses to start there; replicas of N must be gone first.
 *
 * Prefer expand-then-contract: release N+1 adds the new shape and writes both
 * the old and the new (expand), release N+2 stops using the old one, and a
 * later release drops it (breaking, once no release that reads it runs).
 * Never edit, rename or reorder a shipped migration; new names sort last
 * (the next number, four digits). A migration runs in the one transaction of
 * all pending ones; a failure leaves the schema as it was.
 */
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
import * as schemaCompatibility from './0019-schema-compatibility.ts';
import * as metricsIndexes from './0020-metrics-indexes.ts';

/** Whether a Berth that knows only the migrations before this one still runs correctly after it. */
export type MigrationKind = 'expand' | 'breaking';

export interface BerthMigration extends Migration {
  kind: MigrationKind;
}

const expand = (migration: Migration): BerthMigration => ({ ...migration, kind: 'expand' });
const breaking = (migration: Migration): BerthMigration => ({ ...migration, kind: 'breaking' });

/** Every migration, in order. Names are permanent: never rename or reorder a shipped one. */
export const migrations: Record<string, BerthMigration> = {
  '0001-registry': expand(registry),
  '0002-signing-key': expand(signingKey),
  '0003-user-profile': expand(userProfile),
  // password_hash became nullable and repository.project_id required: Berth before it breaks on both.
  '0004-access': breaking(access),
  '0005-sessions-oidc-onboarding': expand(oidcOnboarding),
  '0006-artifact-api': expand(artifactApi),
  '0007-quotas': expand(quotas),
  '0008-labels': expand(labels),
  '0009-bench-indexes': expand(benchIndexes),
  '0010-library-admin-member': expand(libraryAdminMember),
  '0011-unenforced-policies-off': expand(unenforcedPoliciesOff),
  '0012-events-outbox': expand(eventsOutbox),
  '0013-job-service': expand(jobService),
  '0014-immutability-retention': expand(immutabilityRetention),
  '0015-garbage-collection': expand(garbageCollection),
  '0017-audit-purge': expand(auditPurge),
  // Berth before it refused every migration it did not know: it cannot run beside a Berth that has this one.
  '0019-schema-compatibility': breaking(schemaCompatibility),
  '0020-metrics-indexes': expand(metricsIndexes),
};
