import type { Logger } from '../logger.ts';
import type { ManifestsService, Pull } from '../content/manifests.service.ts';

const FLUSH_MS = 1_000;
/** Distinct (repository, artifact, tag) entries held between flushes; beyond this, pulls go uncounted until the next flush. */
const MAX_ENTRIES = 10_000;

/**
 * Harbor's pull statistics — repository pull_count, artifact and tag
 * pull_time — without a database write on the pull path: pulls are counted in
 * memory and handed to content (ManifestsService.recordPulls) once a second.
 * A process killed in between loses at most that second's counts.
 */
export class PullRecorder {
  readonly #pulls: ManifestsService;
  readonly #log: Logger;
  #pending = new Map<string, Pull>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(pulls: ManifestsService, log: Logger) {
    this.#pulls = pulls;
    this.#log = log;
  }

  record(repository: string, digest: string, tag: string | undefined): void {
    const key = `${repository}\0${digest}\0${tag ?? ''}`;
    const entry = this.#pending.get(key);
    if (entry) entry.count++;
    else if (this.#pending.size < MAX_ENTRIES) this.#pending.set(key, { repository, digest, tag, count: 1 });
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const entries = [...this.#pending.values()];
    this.#pending = new Map();
    this.#flushing = this.#flushing.then(async () => {
      if (entries.length === 0) return;
      try {
        await this.#pulls.recordPulls(entries);
      } catch (error) {
        this.#log.error({ err: error, entries: entries.length }, 'could not record pulls');
      }
    });
    await this.#flushing;
  }
}
