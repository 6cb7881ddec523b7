import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { appendEvent } from '../events/outbox.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { SessionStore } from './session.store.ts';

/** The cookie holding the session id, named as Harbor's. */
export const SESSION_COOKIE = 'sid';

/** A session id as Berth issues them: 32 random bytes, base64url. Anything else is not looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export interface NewSession {
  /** The cookie value; only its SHA-256 is stored. */
  id: string;
  csrfToken: string;
}

export interface ActiveSession {
  principal: UserPrincipal;
  csrfToken: string;
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Portal sessions: signing in with a password, sessions started by other
 * logins (OIDC), resolving a session cookie to its user, signing out.
 * Sessions live in PostgreSQL, so any replica serves any session, and expire
 * after session_timeout minutes without use.
 */
export class SessionService {
  readonly #db: Db;
  readonly #store: SessionStore;
  readonly #authenticator: Authenticator;
  readonly #settings: SettingsService;

  constructor(db: Db, store: SessionStore, authenticator: Authenticator, settings: SettingsService) {
    this.#db = db;
    this.#store = store;
    this.#authenticator = authenticator;
    this.#settings = settings;
  }

  /**
   * Signs a person in with a password. Robots are refused (they are for
   * scripts), and so are OIDC users presenting their CLI secret: their
   * portal sign-in goes through the provider, with whatever checks it makes.
   * Every refusal has the same message; the authenticator spends the same
   * hash on unknown names, so neither reveals which names exist.
   */
  async login(username: string, password: string, previousId: string | undefined): Promise<NewSession> {
    const principal = await this.#authenticator.authenticate(username, password);
    if (!principal || principal.kind !== 'user' || principal.authSource === 'oidc') {
      await this.#db.transaction().execute((trx) => appendEvent(trx, { type: 'login_user', resourceType: 'user', resource: username, operator: username, success: false }));
      throw new BerthError('UNAUTHORIZED', 'invalid username or password');
    }
    return await this.start(principal, previousId);
  }

  /**
   * A new session for a user who has just proven who they are. The id is
   * always fresh (a session id chosen by someone else is never adopted), and
   * the session the browser held before, if any, ends.
   */
  async start(user: { userId: string; username: string }, previousId: string | undefined, trx?: Transaction<Database>): Promise<NewSession> {
    const session = { id: randomToken(), csrfToken: randomToken() };
    const timeoutMinutes = (await this.#settings.general(trx)).session_timeout;
    const write = async (db: Transaction<Database>) => {
      if (previousId !== undefined && SESSION_ID.test(previousId)) await this.#store.delete(db, hashOf(previousId));
      // Sessions nobody signs out of would otherwise stay forever; each sign-in clears the expired ones.
      await this.#store.deleteExpired(db);
      await this.#store.insert(db, { idHash: hashOf(session.id), userId: user.userId, csrfToken: session.csrfToken, timeoutMinutes });
      await appendEvent(db, { type: 'login_user', resourceType: 'user', resource: user.username, operator: user.username });
    };
    if (trx) await write(trx);
    else await this.#db.transaction().execute(write);
    return session;
  }

  /** The user and CSRF token of a live session; expired sessions are deleted on sight, and used ones extended at most once a minute. */
  async resolve(id: string): Promise<ActiveSession | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const idHash = hashOf(id);
    const timeoutMinutes = (await this.#settings.general()).session_timeout;
    const row = await this.#store.findWithUser(this.#db, idHash, timeoutMinutes);
    if (!row) return undefined;
    if (!row.live) {
      await this.#store.delete(this.#db, idHash);
      return undefined;
    }
    if (row.due) await this.#store.extend(this.#db, idHash, timeoutMinutes);
    return {
      principal: { kind: 'user', userId: row.userId, username: row.username, sysadmin: row.sysadmin, authSource: row.authSource, groupIds: row.groupIds },
      csrfToken: row.csrfToken,
    };
  }

  async logout(id: string | undefined): Promise<void> {
    if (id === undefined || !SESSION_ID.test(id)) return;
    await this.#db.transaction().execute(async (trx) => {
      const username = await this.#store.delete(trx, hashOf(id));
      if (username !== undefined) await appendEvent(trx, { type: 'logout_user', resourceType: 'user', resource: username, operator: username });
    });
  }
}
