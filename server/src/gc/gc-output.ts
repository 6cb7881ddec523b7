import type { GcDeletion, GcProgress } from './gc.service.ts';

const BAR_WIDTH = 30;
/** Plain progress lines at most this often (and at every phase change), so a log stays readable. */
const LINE_INTERVAL_MS = 1000;

/** A size for people: bytes as B, KiB, MiB, GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function describeProgress(p: GcProgress): string {
  return `${p.phase}: ${p.artifactsDeleted} artifacts, ${p.blobsMarked} blobs marked, ${p.blobsSwept} swept, ${p.linksDeleted} links, ${p.unknownBytesDeleted} unknown bytes, ${p.uploadsExpired} uploads, ${formatBytes(p.bytesFreed)} freed${p.failures > 0 ? `, ${p.failures} failed` : ''}`;
}

export function describeDeletion(d: GcDeletion): string {
  switch (d.kind) {
    case 'artifact':
      return `artifact ${d.repository}@${d.digest}`;
    case 'blob':
      return `blob ${d.digest} (${d.size} bytes)`;
    case 'link':
      return `link ${d.repository} → ${d.digest}`;
    case 'unknown-bytes':
      return `bytes without a row ${d.digest} (${d.size} bytes)`;
    case 'upload':
      return `upload ${d.id}`;
  }
}

/**
 * What `berth gc` shows while it runs: on a terminal one line redrawn in
 * place with a bar; otherwise (a log, a pipe) a plain line per phase and at
 * most one a second.
 */
export class GcOutput {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  #lastLine = 0;
  #lastPhase = '';
  #drawn = false;

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
    this.#tty = out.isTTY === true;
  }

  progress(p: GcProgress): void {
    if (this.#tty) {
      const filled = Math.round(p.position * BAR_WIDTH);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${describeProgress(p)}`;
      this.#out.write(`\r\x1b[2K${line.slice(0, Math.max((this.#out.columns ?? 120) - 1, 20))}`);
      this.#drawn = true;
      return;
    }
    const now = Date.now();
    if (p.phase === this.#lastPhase && now - this.#lastLine < LINE_INTERVAL_MS) return;
    this.#lastPhase = p.phase;
    this.#lastLine = now;
    this.line(`progress ${describeProgress(p)}`);
  }

  /** A line of its own, below the bar when there is one. */
  line(text: string): void {
    if (this.#drawn) this.#out.write('\r\x1b[2K');
    this.#drawn = false;
    this.#out.write(`${text}\n`);
  }
}
