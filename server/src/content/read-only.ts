import { BerthError } from '../errors.ts';
import type { SettingsService } from '../settings/settings.service.ts';

/** Harbor's words for every write refused while the registry is read-only (its readonly middleware: DENIED, 403). */
export const READ_ONLY_MESSAGE = 'The system is in read only mode. Any modification is prohibited.';

/** A write refused because the registry is read-only: no retry helps until an administrator turns the switch off. */
export class ReadOnlyError extends BerthError {
  constructor() {
    super('DENIED', READ_ONLY_MESSAGE);
  }
}

/**
 * Harbor's "repository read only" switch (the read_only setting), checked by
 * every content/ service method that changes content — pushes, mounts, tag
 * and artifact changes, deletes of either API, copies, retention's and
 * garbage collection's deletions — so no API or job gets past it. Reads and
 * pulls (their statistics included) go on. The setting is read through
 * SettingsService's per-replica cache, like every other setting.
 */
export class WriteGate {
  readonly #settings: SettingsService;

  constructor(settings: SettingsService) {
    this.#settings = settings;
  }

  async requireWritable(): Promise<void> {
    if ((await this.#settings.general()).read_only) throw new ReadOnlyError();
  }
}
