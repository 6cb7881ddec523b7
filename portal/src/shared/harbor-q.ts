/**
 * Harbor's `q` list filter from what people type: each value quoted (so a
 * comma in it cannot start another term), fuzzy terms as substring matches,
 * empty values left out. Undefined when nothing is filtered.
 */
export function harborQ(terms: { field: string; value: string | undefined; fuzzy?: boolean }[]): string | undefined {
  const parts = terms
    .filter((term) => term.value !== undefined && term.value.trim() !== '')
    .map((term) => `${term.field}=${term.fuzzy ? '~' : ''}"${term.value!.trim().replaceAll('"', '')}"`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** Harbor's time format in q: UTC, "2006-01-02 15:04:05". */
function harborTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Harbor's range term `field=[from~to]` (either end may be open); undefined when both are. */
export function harborRange(field: string, from: Date | undefined, to: Date | undefined): string | undefined {
  if (!from && !to) return undefined;
  return `${field}=[${from ? harborTime(from) : ''}~${to ? harborTime(to) : ''}]`;
}

/** Terms joined into one q; undefined when there are none. */
export function joinQ(...terms: (string | undefined)[]): string | undefined {
  const present = terms.filter((term) => term !== undefined);
  return present.length > 0 ? present.join(',') : undefined;
}
