import type { Transaction } from 'kysely';
import { z } from 'zod';
import { appendEvent } from '../../events/outbox.ts';
import type { Db } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { BerthError } from '../../errors.ts';
import { localRedirect } from '../../http/local-redirect.ts';
import type { NewSession, SessionService } from '../../sessions/session.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { refuseRobotPrefix, usernameSchema } from '../../users/users.service.ts';
import type { Authenticator } from '../authenticator.ts';
import type { Principal } from '../principal.ts';
import { OidcClient, type OidcUser } from './oidc.provider.ts';
import { oidcSettingsSchema, type OidcSettings } from './oidc-settings.ts';
import type { OidcLoginStore, OidcUserRow } from './oidc-login.store.ts';

/** Minutes a sign-in may take, from leaving for the provider to the end of onboarding. */
export const OIDC_LOGIN_MINUTES = 10;

/** What Berth keeps of the provider's answer while the user picks a username. */
const identitySchema = z.object({
  issuer: z.string(),
  subject: z.string(),
  username: z.string(),
  email: z.string().optional(),
  groups: z.array(z.string()),
  isAdmin: z.boolean(),
});
type Identity = z.infer<typeof identitySchema>;

export type CallbackOutcome = { kind: 'signed-in'; session: NewSession; redirectUrl: string } | { kind: 'onboarding' };

/** user_account.external_id of an OIDC user: who vouches for them and under which subject. */
export function oidcExternalId(issuer: string, subject: string): string {
  return `${issuer}|${subject}`;
}

function expired(): BerthError {
  return new BerthError('UNAUTHORIZED', 'this OIDC sign-in is unknown to this browser or has expired; please sign in again');
}

/**
 * Harbor's OIDC sign-in for the portal: the redirect to the provider, the
 * callback, onboarding (auto, or a username chosen by the user), the user's
 * groups and administrator flag from the provider's claims, and a portal
 * session at the end. Also the administrator's connectivity check.
 */
export class OidcLoginService {
  readonly #db: Db;
  readonly #store: OidcLoginStore;
  readonly #settings: SettingsService;
  readonly #sessions: SessionService;
  readonly #authenticator: Authenticator;

  constructor(deps: { db: Db; store: OidcLoginStore; settings: SettingsService; sessions: SessionService; authenticator: Authenticator }) {
    this.#db = deps.db;
    this.#store = deps.store;
    this.#settings = deps.settings;
    this.#sessions = deps.sessions;
    this.#authenticator = deps.authenticator;
  }

  async #oidcSettings(): Promise<OidcSettings> {
    const settings = await this.#settings.oidc();
    if (!settings) throw new BerthError('PRECONDITION', 'OIDC sign-in is not enabled: auth_mode is not oidc_auth');
    return settings;
  }

  /**
   * Starts a sign-in: where to send the browser, and the state that the
   * browser must bring back (the caller keeps it in a cookie, binding the
   * sign-in to this browser). Only local paths are kept as the destination.
   */
  async begin(callbackUri: string, redirectUrl: string | undefined): Promise<{ url: string; state: string }> {
    const client = new OidcClient(await this.#oidcSettings());
    const pending = await client.authorizationUrl({ redirectUri: callbackUri });
    await this.#store.deleteStale(this.#db, OIDC_LOGIN_MINUTES);
    await this.#store.insertPending(this.#db, { state: pending.state, nonce: pending.nonce, codeVerifier: pending.codeVerifier, redirectUrl: localRedirect(redirectUrl) });
    return { url: pending.url, state: pending.state };
  }

  /**
   * The provider's redirect back. `state` is the browser's (from its
   * cookie); the provider's state in `callbackUrl` must equal it, which
   * OidcClient checks along with the nonce and the PKCE verifier. Each
   * sign-in is used once.
   */
  async complete(input: { callbackUri: string; callbackUrl: string; state: string | undefined; previousSessionId: string | undefined }): Promise<CallbackOutcome> {
    const settings = await this.#oidcSettings();
    if (!input.state) throw expired();
    const pending = await this.#store.take(this.#db, input.state, 'callback', OIDC_LOGIN_MINUTES);
    if (!pending) throw expired();
    const login = await new OidcClient(settings).handleCallback({
      redirectUri: input.callbackUri,
      callbackUrl: input.callbackUrl,
      state: pending.state,
      nonce: pending.nonce,
      codeVerifier: pending.codeVerifier,
    });
    const identity = identityOf(login);
    const redirectUrl = localRedirect(pending.redirectUrl);
    const signedIn = await this.#db.transaction().execute(async (trx) => {
      const existing = await this.#store.findUser(trx, oidcExternalId(identity.issuer, identity.subject));
      if (existing) return await this.#signIn(trx, existing, identity, input.previousSessionId);
      if (!settings.oidc_auto_onboard) return undefined;
      const user = await this.#onboardUser(trx, identity, identity.username, 'claim');
      return await this.#signIn(trx, user, identity, input.previousSessionId);
    });
    if (signedIn) {
      // After the commit: CLI-secret logins cached in this process would otherwise keep the old groups and flag for up to a minute.
      this.#authenticator.forget(signedIn.username);
      return { kind: 'signed-in', session: signedIn.session, redirectUrl };
    }
    // Kept server-side under the same state; the browser's cookie is its only key.
    await this.#store.insertPending(this.#db, { ...pending, identity });
    return { kind: 'onboarding' };
  }

  /** The username to suggest on the onboarding form of the sign-in `state`, if one is waiting. */
  async onboardingSuggestion(state: string | undefined): Promise<string> {
    await this.#oidcSettings();
    const pending = state === undefined ? undefined : await this.#store.findOnboarding(this.#db, state, OIDC_LOGIN_MINUTES);
    if (!pending) throw expired();
    return identitySchema.parse(pending.identity).username;
  }

  /**
   * Creates the user of a waiting sign-in under the chosen name and signs
   * them in. A refused name leaves the sign-in waiting, so the user can
   * choose another.
   */
  async onboard(state: string | undefined, username: string, previousSessionId: string | undefined): Promise<{ session: NewSession; redirectUrl: string }> {
    await this.#oidcSettings();
    if (state === undefined) throw expired();
    const signedIn = await this.#db.transaction().execute(async (trx) => {
      const pending = await this.#store.take(trx, state, 'onboarding', OIDC_LOGIN_MINUTES);
      if (!pending) throw expired();
      const identity = identitySchema.parse(pending.identity);
      // Another tab of the same person may have finished onboarding meanwhile.
      const user = (await this.#store.findUser(trx, oidcExternalId(identity.issuer, identity.subject))) ?? (await this.#onboardUser(trx, identity, username, 'chosen'));
      return { ...(await this.#signIn(trx, user, identity, previousSessionId)), redirectUrl: localRedirect(pending.redirectUrl) };
    });
    this.#authenticator.forget(signedIn.username);
    return { session: signedIn.session, redirectUrl: signedIn.redirectUrl };
  }

  /** Harbor's "Test OIDC Server": discovery at `url` only (no client credentials are used by it). System administrators only. */
  async ping(actor: Principal, input: { url: string; verify_cert?: boolean | undefined }): Promise<void> {
    if (!actor.sysadmin) throw new BerthError('FORBIDDEN', 'only system administrators may test the OIDC endpoint');
    const endpoint = oidcSettingsSchema.shape.oidc_endpoint.safeParse(input.url);
    if (!endpoint.success) throw new BerthError('BAD_REQUEST', `url: ${endpoint.error.issues[0]!.message}`);
    const client = new OidcClient(
      oidcSettingsSchema.parse({ oidc_name: 'ping', oidc_endpoint: endpoint.data, oidc_client_id: 'ping', oidc_client_secret: 'ping', oidc_verify_cert: input.verify_cert ?? true }),
    );
    const result = await client.ping();
    if (!result.ok) throw new BerthError('BAD_REQUEST', `the OIDC endpoint could not be verified: ${result.message}`);
  }

  async #onboardUser(trx: Transaction<Database>, identity: Identity, username: string, source: 'claim' | 'chosen'): Promise<OidcUserRow> {
    // A name from the provider is not the user's doing: say what the administrator can change.
    const name = source === 'claim' ? `the username ${JSON.stringify(username)} from the OIDC provider` : `the username ${JSON.stringify(username)}`;
    const remedy = source === 'claim' ? '; an administrator can set oidc_user_claim to another claim, or turn off oidc_auto_onboard to let users choose their name' : '';
    const parsed = usernameSchema.safeParse(username);
    if (!parsed.success) throw new BerthError('BAD_REQUEST', `${name} is not valid: ${parsed.error.issues[0]!.message}${remedy}`);
    refuseRobotPrefix(username, (await this.#settings.general(trx)).robot_name_prefix);
    if (await this.#store.usernameTaken(trx, username)) throw new BerthError('CONFLICT', `${name} is already taken by another user${remedy}`);
    // E-mail addresses are unique; one already held by another account is left out rather than blocking the sign-in.
    const email = identity.email && !(await this.#store.emailTaken(trx, identity.email)) ? identity.email : null;
    const user = await this.#store.insertUser(trx, { username, email, externalId: oidcExternalId(identity.issuer, identity.subject) });
    await appendEvent(trx, { type: 'create_user', resourceType: 'user', resource: username, operator: username, description: 'onboarded through OIDC' });
    return user;
  }

  /**
   * Brings the user's groups and administrator flag up to what the
   * provider now says, then starts the session. The flag granted by the
   * admin group (admin_role_in_auth) follows the group; one an
   * administrator granted by hand is kept.
   */
  async #signIn(trx: Transaction<Database>, user: OidcUserRow, identity: Identity, previousSessionId: string | undefined): Promise<{ session: NewSession; username: string }> {
    const groups = await this.#store.upsertGroups(trx, [...new Set(identity.groups)]);
    for (const name of groups.created) {
      await appendEvent(trx, { type: 'create_user_group', resourceType: 'user_group', resource: name, operator: user.username, description: 'OIDC group' });
    }
    const grantedByHand = user.sysadmin && !user.adminRoleInAuth;
    const sysadmin = grantedByHand || identity.isAdmin;
    await this.#store.updateUserAuthorization(trx, user.id, { groupIds: groups.ids, sysadmin, adminRoleInAuth: identity.isAdmin && !grantedByHand });
    if (sysadmin !== user.sysadmin) {
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: user.username, operator: user.username, description: `sysadmin_flag=${sysadmin} (OIDC admin group)` });
    }
    return { session: await this.#sessions.start({ userId: user.id, username: user.username }, previousSessionId, trx), username: user.username };
  }
}

function identityOf(user: OidcUser): Identity {
  return { issuer: user.issuer, subject: user.subject, username: user.username, ...(user.email !== undefined && { email: user.email }), groups: user.groups, isAdmin: user.isAdmin };
}
