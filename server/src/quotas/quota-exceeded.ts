import { BerthError } from '../errors.ts';

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Bytes as Harbor shows them in quota messages: "512 B", "1.5 KiB", "3.0 GiB" (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let unit = 0;
  let value = bytes / 1024;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * Harbor's refusal when a push would take a project over its storage quota:
 * 403 DENIED with the same sentence, so scripts and people that know
 * Harbor's message recognise it.
 */
export function quotaExceeded(adding: number, used: number, hard: number): BerthError {
  return new BerthError(
    'DENIED',
    `adding ${formatBytes(adding)} of storage resource, which when updated to current usage of ${formatBytes(used)} will exceed the configured upper limit of ${formatBytes(hard)}.`,
  );
}
