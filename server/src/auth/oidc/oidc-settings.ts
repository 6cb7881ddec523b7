import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Harbor requires an https endpoint; plain http is allowed on loopback only,
 * for a provider running beside Berth in development and tests.
 */
const endpoint = z.url().refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}, 'expected an https:// URL (http:// only on loopback)');

const regex = z.string().refine((pattern) => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}, 'expected a regular expression');

const stringMap = z.record(z.string(), z.string());

/** Harbor's API carries this map as a JSON string ("{}" by default); an object is taken as well. */
const extraRedirectParams = z.union([
  z.string().transform((text, ctx) => {
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.issues.push({ code: 'custom', message: 'expected a JSON object of strings', input: text });
      return z.NEVER;
    }
  }).pipe(stringMap),
  stringMap,
]);

/**
 * Harbor's OIDC settings under Harbor's names and with Harbor's defaults, so
 * Berth's configuration API can accept what Harbor's accepts. Unknown keys
 * (the rest of Harbor's configuration) are dropped.
 */
export const oidcSettingsSchema = z.object({
  oidc_name: z.string().min(1),
  /** The issuer identifier; discovery reads <endpoint>/.well-known/openid-configuration. */
  oidc_endpoint: endpoint,
  oidc_client_id: z.string().min(1),
  oidc_client_secret: z.string().min(1),
  /** The claim holding the user's groups; empty means groups are not used. */
  oidc_groups_claim: z.string().default(''),
  /** Members of this group are system administrators; empty means none are. */
  oidc_admin_group: z.string().default(''),
  /** Only groups matching this (unanchored) pattern are kept; empty keeps all. */
  oidc_group_filter: regex.default(''),
  /** Comma separated, as in Harbor. */
  oidc_scope: z.string().default('openid,offline_access'),
  /** The claim used as username; empty means name, then preferred_username, then sub. */
  oidc_user_claim: z.string().default(''),
  oidc_verify_cert: z.boolean().default(true),
  oidc_auto_onboard: z.boolean().default(false),
  /** Extra parameters for the authorization request, such as {"prompt":"login"}. */
  oidc_extra_redirect_parms: extraRedirectParams.default({}),
  oidc_logout: z.boolean().default(false),
});

export type OidcSettings = z.output<typeof oidcSettingsSchema>;
export type OidcSettingsInput = z.input<typeof oidcSettingsSchema>;
