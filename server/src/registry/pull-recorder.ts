import type { Db } from '../db/database.ts';
import type { ManifestsService, Pull } from '../content/manifests.service.ts';
import { Batcher } from '../events/batcher.ts';
import type { Logger } from '../logger.ts';

const FLUSH_MS = 1_000;
/** Pulls held between flushes; beyond this, pulls go unrecorded until the next flush. */
const MAX_PULLS = 50_000;

/**
 * Harbor's pull statistics — repository pull_count, artifact and tag
 * pull_time — and pull events, without a database write on the pull path:
 * pulls go through the shared Batcher, which hands each second's to content
 * in one transaction (a few set-based UPDATEs, and the events into the
 * outbox, which the audit log reads like any other).
 */
export class PullRecorder {
  readonly #batch: Batcher<Pull>;

  constructor(db: Db, manifests: ManifestsService, log: Logger) {
    this.#batch = new Batcher(db, log, { what: 'pulls', intervalMs: FLUSH_MS, maxItems: MAX_PULLS, write: (trx, pulls) => manifests.recordPulls(trx, pulls) });
  }

  /** `operator` is who pulled, when the pull is audited (pull_audit_log_disable off). */
  record(repository: string, digest: string, tag: string | undefined, operator: string | undefined): void {
    this.#batch.add({ repository, digest, tag, operator });
  }

  async flush(): Promise<void> {
    await this.#batch.flush();
  }
}
