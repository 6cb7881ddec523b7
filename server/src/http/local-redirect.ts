/**
 * `target` if it is a path on this site, else "/". Browsers treat "//host",
 * "/\host" and paths with tabs or newlines (which they strip) as other
 * sites, so only a single leading slash followed by no slash or backslash,
 * and no control characters, whitespace or backslashes at all, is accepted;
 * a final parse against a placeholder origin confirms the target stays on it.
 */
export function localRedirect(target: string | undefined): string {
  if (!target || !/^\/(?![/\\])/.test(target) || /[\\\s\p{Cc}]/u.test(target)) return '/';
  const base = 'http://berth.invalid';
  try {
    return new URL(target, base).origin === base ? target : '/';
  } catch {
    return '/';
  }
}
