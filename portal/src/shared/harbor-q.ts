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
