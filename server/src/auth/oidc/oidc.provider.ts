import * as client from 'openid-client';
import { createRemoteJWKSet, customFetch as joseCustomFetch, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { OidcRejectedError, OidcUnavailableError, providerUnavailable, toOidcError } from './oidc-errors.ts';
import { providerFetch } from './provider-fetch.ts';
import type { OidcSettings } from './oidc-settings.ts';

/** What the caller keeps server-side (never in the browser) between sending the user to `url` and the callback. */
export interface PendingLogin {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcUser {
  issuer: string;
  subject: string;
  username: string;
  email: string | undefined;
  /** After oidc_group_filter. */
  groups: string[];
  isAdmin: boolean;
}

export interface OidcLogin extends OidcUser {
  idToken: string;
  /** Absent when the provider issued none (oidc_scope without offline_access, usually). */
  refreshToken: string | undefined;
  /** When the ID token expires; refresh() before then to keep the login alive. */
  expiresAt: Date;
}

/** Used as username, in this order, when oidc_user_claim is empty or missing from the token. */
const DEFAULT_USER_CLAIMS = ['name', 'preferred_username', 'sub'];

/** Clock difference with the provider tolerated on exp/iat, the same as openid-client allows. */
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * How long a discovery (metadata and JWKS resolver) is reused: a burst of
 * logins costs one discovery, and changes at the provider show within this.
 */
const DISCOVERY_TTL_MS = 60_000;

interface Discovered {
  config: client.Configuration;
  jwks: JWTVerifyGetKey;
}

/**
 * Shared by all OidcClient instances, so that building one per request
 * from the current settings still discovers once. The key holds everything
 * the Configuration captures, so a settings change never reuses a stale one.
 */
const discoveries = new Map<string, { discovered: Promise<Discovered>; expires: number }>();

/**
 * Berth as a client (relying party) of the OpenID Connect provider its
 * settings name, through openid-client: the authorization code flow with
 * state, nonce and PKCE (S256) always, the ID token checked by openid-client
 * (issuer, audience, nonce, expiry), and the user's details mapped the way
 * Harbor maps them. Failures throw the errors in oidc-errors.ts.
 */
export class OidcClient {
  readonly #settings: OidcSettings;
  readonly #timeoutMs: number;
  readonly #groupFilter: RegExp | undefined;

  /** `timeoutMs` bounds each request to the provider, discovery included. */
  constructor(settings: OidcSettings, options: { timeoutMs?: number } = {}) {
    this.#settings = settings;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#groupFilter = settings.oidc_group_filter ? new RegExp(settings.oidc_group_filter) : undefined;
  }

  /**
   * Discovers the provider afresh (no cache), as Harbor's "Test OIDC Server"
   * button (POST /api/v2.0/system/oidc/ping) does. Never throws.
   */
  async ping(): Promise<{ ok: boolean; message: string }> {
    try {
      const { config } = await this.#runDiscovery();
      return { ok: true, message: `discovered ${config.serverMetadata().issuer}` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  /** Where to send the user, and the secrets the callback must be checked against. */
  async authorizationUrl({ redirectUri }: { redirectUri: string }): Promise<PendingLogin> {
    const { config } = await this.#discover();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      // Extra parameters first, so they cannot replace the ones security rests on.
      ...this.#settings.oidc_extra_redirect_parms,
      client_id: this.#settings.oidc_client_id,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: scopes(this.#settings.oidc_scope),
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /**
   * Completes a login from the URL the provider redirected to (only its query
   * is read, so `request.url` will do) and the PendingLogin kept for it.
   */
  async handleCallback(input: { redirectUri: string; callbackUrl: string | URL; state: string; nonce: string; codeVerifier: string }): Promise<OidcLogin> {
    const { config } = await this.#discover();
    // openid-client sends the callback URL minus its query as redirect_uri, so it must be the registered one, not what a proxy made of it.
    const current = new URL(input.redirectUri);
    current.search = new URL(input.callbackUrl, input.redirectUri).search;
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        expectedState: input.state,
        expectedNonce: input.nonce,
        pkceCodeVerifier: input.codeVerifier,
        idTokenExpected: true,
      });
    } catch (err) {
      throw toOidcError(err, 'OIDC login');
    }
    return await this.#login(config, tokens);
  }

  /**
   * Renews the tokens of an earlier login, with the user's details as the
   * provider now states them. The caller should check that `subject` is
   * unchanged. Providers that do not rotate refresh tokens keep the old one;
   * one that sends no ID token on refresh is reported as unavailable, since
   * Berth could not see the user's current groups.
   */
  async refresh(refreshToken: string): Promise<OidcLogin> {
    const { config } = await this.#discover();
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.refreshTokenGrant(config, refreshToken);
    } catch (err) {
      throw toOidcError(err, 'OIDC token refresh');
    }
    const login = await this.#login(config, tokens);
    return { ...login, refreshToken: login.refreshToken ?? refreshToken };
  }

  /**
   * Checks an ID token presented as a Bearer credential: signature against
   * the provider's JWKS, issuer, audience, expiry. Groups come from the
   * token alone; there is no access token to ask userinfo with.
   */
  async verifyIdToken(idToken: string): Promise<OidcUser & { expiresAt: Date }> {
    const { config, jwks } = await this.#discover();
    const clientId = this.#settings.oidc_client_id;
    try {
      const { payload } = await jwtVerify(idToken, jwks, {
        issuer: config.serverMetadata().issuer,
        audience: clientId,
        requiredClaims: ['sub', 'iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      // OpenID Connect Core 3.1.3.7: a token naming an authorized party, or several audiences, must name this client as that party.
      if ((payload.azp !== undefined || (Array.isArray(payload.aud) && payload.aud.length > 1)) && payload.azp !== clientId) {
        throw new OidcRejectedError(`ID token: authorized party ${payload.azp ?? '(none)'} is not ${clientId}`);
      }
      return { ...this.#user(payload), expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      throw toOidcError(err, 'ID token');
    }
  }

  async #login(config: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers): Promise<OidcLogin> {
    const claims = tokens.claims();
    if (!claims || !tokens.id_token) throw new OidcUnavailableError('the OIDC provider returned no ID token');
    let all: Record<string, unknown> = claims;
    if (this.#wantsUserinfo(claims) && config.serverMetadata().userinfo_endpoint) {
      try {
        // Checks that userinfo speaks of the same subject as the ID token.
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        all = { ...userinfo, ...claims };
      } catch (err) {
        throw toOidcError(err, 'OIDC userinfo');
      }
    }
    return { ...this.#user(all), idToken: tokens.id_token, refreshToken: tokens.refresh_token, expiresAt: new Date(claims.exp * 1000) };
  }

  /** Providers often keep profile, email or group claims out of the ID token and hand them out from userinfo only. */
  #wantsUserinfo(claims: Record<string, unknown>): boolean {
    const absent = (name: string) => claims[name] === undefined;
    const { oidc_user_claim: userClaim, oidc_groups_claim: groupsClaim } = this.#settings;
    return (
      (userClaim ? absent(userClaim) : absent('name') && absent('preferred_username')) ||
      absent('email') ||
      (groupsClaim !== '' && absent(groupsClaim))
    );
  }

  #user(claims: Record<string, unknown>): OidcUser {
    const { oidc_user_claim: userClaim, oidc_groups_claim: groupsClaim, oidc_admin_group: adminGroup } = this.#settings;
    const usernameClaims = userClaim ? [userClaim, ...DEFAULT_USER_CLAIMS] : DEFAULT_USER_CLAIMS;
    const groups = groupsClaim ? groupList(claims[groupsClaim]) : [];
    const filter = this.#groupFilter;
    return {
      issuer: String(claims.iss),
      subject: String(claims.sub),
      // sub is always there (openid-client and jose require it), so some claim always answers.
      username: usernameClaims.map((name) => claims[name]).find((value): value is string => typeof value === 'string' && value !== '')!,
      email: typeof claims.email === 'string' ? claims.email : undefined,
      groups: filter ? groups.filter((group) => filter.test(group)) : groups,
      // As in Harbor, the filter decides which groups are onboarded, not who is an administrator.
      isAdmin: adminGroup !== '' && groups.includes(adminGroup),
    };
  }

  async #discover(): Promise<Discovered> {
    const s = this.#settings;
    const key = JSON.stringify([s.oidc_endpoint, s.oidc_client_id, s.oidc_client_secret, s.oidc_verify_cert, this.#timeoutMs]);
    const now = Date.now();
    const cached = discoveries.get(key);
    if (cached && cached.expires > now) return await cached.discovered;
    for (const [k, entry] of discoveries) if (entry.expires <= now) discoveries.delete(k);
    const entry = { discovered: this.#runDiscovery(), expires: now + DISCOVERY_TTL_MS };
    discoveries.set(key, entry);
    // A failure is not kept, so the next attempt asks the provider again.
    entry.discovered.catch(() => discoveries.get(key) === entry && discoveries.delete(key));
    return await entry.discovered;
  }

  async #runDiscovery(): Promise<Discovered> {
    const s = this.#settings;
    const fetcher = providerFetch({ timeoutMs: this.#timeoutMs, verifyCert: s.oidc_verify_cert });
    let config: client.Configuration;
    try {
      config = await client.discovery(new URL(s.oidc_endpoint), s.oidc_client_id, s.oidc_client_secret, client.ClientSecretBasic(s.oidc_client_secret), {
        [client.customFetch]: fetcher,
        // The settings schema admits http:// for loopback endpoints only.
        execute: new URL(s.oidc_endpoint).protocol === 'http:' ? [client.allowInsecureRequests] : [],
      });
    } catch (err) {
      throw providerUnavailable(err, `OIDC discovery at ${s.oidc_endpoint}`);
    }
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new OidcUnavailableError(`OIDC discovery at ${s.oidc_endpoint}: no jwks_uri in the provider metadata`);
    return { config, jwks: createRemoteJWKSet(new URL(jwksUri), { [joseCustomFetch]: fetcher }) };
  }
}

/** oidc_scope as a scope parameter. OpenID Connect needs "openid"; without it no ID token comes and every login fails. */
function scopes(setting: string): string {
  const listed = setting.split(',').map((scope) => scope.trim()).filter((scope) => scope !== '');
  return [...new Set(['openid', ...listed])].join(' ');
}

/** A list of group names; some providers send a lone group as a plain string (Harbor accepts that too). */
function groupList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}
