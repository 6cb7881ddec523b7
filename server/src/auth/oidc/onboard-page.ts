/** Served with the page: nothing but the form itself may load or submit anywhere. */
export const ONBOARD_PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The onboarding form of an OIDC sign-in without oidc_auto_onboard: the
 * user chooses the Berth username their identity will have. The suggestion
 * comes from the provider's claims, so everything shown is escaped.
 */
export function onboardPage(suggestion: string, error?: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Choose a username</title></head>
<body>
<h1>Choose your username</h1>
<p>This is your first sign-in. Choose the username you will have in this registry; it cannot be changed later.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>\n` : ''}<form method="post" action="/c/oidc/onboard">
<label>Username <input name="username" value="${escapeHtml(suggestion)}" required maxlength="255" autofocus></label>
<button type="submit">Continue</button>
</form>
</body>
</html>
`;
}
