/**
 * Text PostgreSQL refuses: NUL (text and jsonb cannot hold U+0000) and
 * unpaired UTF-16 surrogates (not encodable as UTF-8; jsonb rejects their
 * \u escapes). A client value containing either would fail as a database
 * error deep in a query, so inputs are checked against this on arrival.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/**
 * The path (`a.b[2]`, keys included) of the first string in a parsed JSON
 * value that PostgreSQL could not store, or undefined when all can be.
 */
export function unstorableTextIn(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path || '(value)';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextIn(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (!isStorableText(key)) return childPath;
      const found = unstorableTextIn(child, childPath);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
