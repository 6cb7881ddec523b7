/** Dates and sizes in the reader's language, through Intl. */

/** Harbor writes "never" as Go's zero time. */
export function isNever(iso: string | undefined | null): boolean {
  return !iso || iso.startsWith('0001-01-01');
}

export function formatDate(iso: string | undefined | null, language: string): string | undefined {
  if (isNever(iso)) return undefined;
  const date = new Date(iso!);
  if (Number.isNaN(date.getTime())) return undefined;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/** Decimal units (1 kB = 1000 B), as registries and clients report image sizes. */
export function formatSize(bytes: number | undefined | null, language: string): string {
  let value = Math.max(0, bytes ?? 0);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  // Bytes in full words, which Intl puts in the language's plural form ("0 bytes", "1 byte", "2 octets");
  // larger units as symbols (kB, MB), which take none.
  return new Intl.NumberFormat(language, { style: 'unit', unit: UNITS[unit], unitDisplay: unit === 0 ? 'long' : 'short', maximumFractionDigits: unit === 0 ? 0 : 2 }).format(value);
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(language).format(value);
}

/** sha256:0123456789ab… → sha256:0123456789ab, as registries abbreviate digests. */
export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
}
