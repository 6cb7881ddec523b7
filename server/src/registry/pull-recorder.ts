import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { SettingsService } from '../settings/settings.service.ts';

const FLUSH_MS = 1_000;
/** Distinct (repository, artifact, tag) entries held between flushes; beyond this, pulls go uncounted until the next flush. */
const MAX_ENTRIES = 10_000;

/**
 * Harbor's pull statistics — repository pull_count, artifact and tag
 * pull_time — without a database write on the pull path: pulls are counted in
 * memory and written once a second in a few set-based statements. A process
 * killed in between loses at most that second's counts.
 */
export class PullRecorder {
  readonly #db: Db;
  readonly #log: Logger;
  readonly #settings: SettingsService;
  #pending = new Map<string, { repository: string; digest: string; tag: string | undefined; count: number }>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(db: Db, settings: SettingsService, log: Logger) {
    this.#db = db;
    this.#settings = settings;
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
        await this.#write(entries);
      } catch (error) {
        this.#log.error({ err: error, entries: entries.length }, 'could not record pulls');
      }
    });
    await this.#flushing;
  }

  async #write(entries: { repository: string; digest: string; tag: string | undefined; count: number }[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const entry of entries) counts.set(entry.repository, (counts.get(entry.repository) ?? 0) + entry.count);
    const repositories = sql.join([...counts].map(([name, n]) => sql`(${name}::text, ${n}::bigint)`));
    const artifacts = sql.join(entries.map((e) => sql`(${e.repository}::text, ${e.digest}::text)`));
    const tagged = entries.filter((e) => e.tag !== undefined);
    const { pull_count_update_disable: noCounts, pull_time_update_disable: noTimes } = await this.#settings.general();
    await this.#db.transaction().execute(async (trx) => {
      if (!noCounts) await sql`UPDATE repository r SET pull_count = r.pull_count + v.n FROM (VALUES ${repositories}) AS v(name, n) WHERE r.name = v.name`.execute(trx);
      if (noTimes) return;
      await sql`UPDATE artifact a SET pull_time = now() FROM repository r, (VALUES ${artifacts}) AS v(name, digest)
        WHERE r.id = a.repository_id AND r.name = v.name AND a.digest = v.digest`.execute(trx);
      if (tagged.length > 0) {
        const tags = sql.join(tagged.map((e) => sql`(${e.repository}::text, ${e.tag!}::text)`));
        await sql`UPDATE tag t SET pull_time = now() FROM repository r, (VALUES ${tags}) AS v(name, tag)
          WHERE r.id = t.repository_id AND r.name = v.name AND t.name = v.tag`.execute(trx);
      }
    });
  }
}
