/**
 * Calls `onIdle` once nothing touched it for `ms` while armed (0: never).
 * Request bodies touch it for every chunk (16–64 KiB on the upload path), so
 * a touch is only a timestamp: the one timer, when it fires early, re-arms
 * for what is left instead of every chunk clearing and setting a timeout.
 */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #last = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  touch(): void {
    this.#last = performance.now();
  }

  /** Counts from now (also after disarm, e.g. while a reader was paused on purpose). */
  arm(): void {
    if (this.#ms <= 0) return;
    this.touch();
    if (this.#timer === undefined) this.#schedule(this.#ms);
  }

  disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      const left = this.#ms - (performance.now() - this.#last);
      if (left > 0) return this.#schedule(left);
      this.#timer = undefined;
      this.#onIdle();
    }, delay);
  }
}
