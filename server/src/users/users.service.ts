import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { BerthError } from '../errors.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal as AnyPrincipal, UserPrincipal as Principal } from '../auth/principal.ts';
import type { AccessService } from '../access/access.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { generatePassword, hashPassword, verifyPassword } from '../auth/password.ts';
import type { Paging, QueryTerm, SortTerm } from '../http/harbor-query.ts';
import type { UserRow, UsersStore } from './users.store.ts';
import { appendEvent } from '../events/outbox.ts';

/** Harbor's password policy (also for robot and CLI secrets): 8–128 characters with an upper-case letter, a lower-case letter and a digit. */
export function checkPasswordPolicy(password: string, what = 'password'): void {
  if (password.length < 8 || password.length > 128 || !/[A-Z]/.test(password) || !/[a-z]/.test(password) || !/[0-9]/.test(password)) {
    throw new BerthError('BAD_REQUEST', `the ${what} must be 8 to 128 characters long with at least one upper-case letter, one lower-case letter and one digit`);
  }
}

/** Robot names start with the configured prefix; a user name that did too could be mistaken for a robot. */
export function refuseRobotPrefix(username: string, robotPrefix: string): void {
  if (username.startsWith(robotPrefix)) {
    throw new BerthError('BAD_REQUEST', `user names may not start with the robot account prefix ${JSON.stringify(robotPrefix)}`);
  }
}

export const usernameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((value) => !/[,"~#%$\s]/.test(value), 'must not contain whitespace or any of , " ~ # % $');
const email = z.email().max(255);

export const userCreationSchema = z.object({
  username: usernameSchema,
  email,
  realname: z.string().max(255).default(''),
  comment: z.string().max(30_000).default(''),
  password: z.string(),
});

export const userProfileSchema = z.object({
  email: email.optional(),
  realname: z.string().max(255).optional(),
  comment: z.string().max(30_000).optional(),
});

export const passwordChangeSchema = z.object({ old_password: z.string().optional(), new_password: z.string() });
export const sysadminSchema = z.object({ sysadmin_flag: z.boolean() });
/** Harbor's OIDCCliSecretReq; without a secret, Berth generates one. */
export const cliSecretSchema = z.object({ secret: z.string().max(128).optional() });

export type UserCreation = z.infer<typeof userCreationSchema>;

/** The rules of Harbor's local user accounts: who may see, create, change and delete whom. */
export class UsersService {
  readonly #db: Db;
  readonly #store: UsersStore;
  readonly #authenticator: Authenticator;
  readonly #settings: SettingsService;
  readonly #access: AccessService;
  readonly #passwordChanged: (username: string) => void;

  /** passwordChanged: told after a local user's password changed (the initial admin password file goes then). */
  constructor(db: Db, store: UsersStore, authenticator: Authenticator, settings: SettingsService, access: AccessService, passwordChanged: (username: string) => void) {
    this.#access = access;
    this.#passwordChanged = passwordChanged;
    this.#db = db;
    this.#store = store;
    this.#authenticator = authenticator;
    this.#settings = settings;
  }

  /**
   * System administrators create users; anyone may register themselves when
   * self_registration is on (off by default, as in Harbor). The input schema
   * has no administrator flag, so a registration can never make an admin.
   */
  async create(actor: Principal | undefined, input: UserCreation): Promise<UserRow> {
    const settings = await this.#settings.general();
    if (!actor?.sysadmin) {
      if (!settings.self_registration) throw actor ? forbidden() : new BerthError('UNAUTHORIZED', 'authentication required');
    }
    refuseRobotPrefix(input.username, settings.robot_name_prefix);
    checkPasswordPolicy(input.password);
    const taken = await this.#store.existsByUsernameOrEmail(this.#db, input.username, input.email);
    if (taken) throw new BerthError('CONFLICT', `a user with this ${taken} already exists`);
    try {
      const passwordHash = await hashPassword(input.password);
      return await this.#db.transaction().execute(async (trx) => {
        const user = await this.#store.insert(trx, { username: input.username, email: input.email, realname: input.realname, comment: input.comment, passwordHash, sysadmin: false });
        await appendEvent(trx, { type: 'create_user', resourceType: 'user', resource: user.username, operator: actor?.username ?? user.username });
        return user;
      });
    } catch (error) {
      // Two creations racing past the check above meet the unique indexes here.
      if ((error as { code?: string }).code === '23505') throw new BerthError('CONFLICT', 'a user with this username or email already exists');
      throw error;
    }
  }

  /** The user named `username` as they are now, for a registry token issued to them earlier; undefined once deleted. */
  async principalNamed(username: string): Promise<Principal | undefined> {
    const user = await this.#store.findPrincipal(this.#db, username);
    return user && { kind: 'user', userId: user.id, username: user.username, sysadmin: user.sysadmin, authSource: user.authSource, groupIds: user.groupIds };
  }

  async get(actor: Principal, id: string): Promise<UserRow> {
    if (!actor.sysadmin && actor.userId !== id) throw forbidden();
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    return user;
  }

  /** System administrators, and system robots granted user:list, see every user. */
  async list(actor: AnyPrincipal, filters: QueryTerm[], sort: SortTerm[], paging: Paging): Promise<{ rows: UserRow[]; total: number }> {
    await this.#access.requireSystem(actor, 'user', 'list');
    return await this.#store.list(this.#db, filters, sort, paging.pageSize, paging.offset);
  }

  async search(fragment: string, paging: Paging): Promise<{ rows: { id: string; username: string }[]; total: number }> {
    if (fragment.trim() === '') throw new BerthError('BAD_REQUEST', 'username is required');
    return await this.#store.searchByUsername(this.#db, fragment, paging.pageSize, paging.offset);
  }

  async updateProfile(actor: Principal, id: string, profile: z.infer<typeof userProfileSchema>): Promise<void> {
    if (!actor.sysadmin && actor.userId !== id) throw forbidden();
    if (profile.email && (await this.#store.emailTakenByOther(this.#db, profile.email, id))) throw new BerthError('CONFLICT', 'a user with this email already exists');
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.updateProfile(trx, id, profile))) throw notFound();
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: user.username, operator: actor.username, description: 'profile' });
    });
  }

  /**
   * Users change their own password by proving the old one; a system
   * administrator may reset anyone else's without it.
   */
  async changePassword(actor: Principal, id: string, change: z.infer<typeof passwordChangeSchema>): Promise<void> {
    const self = actor.userId === id;
    if (!self && !actor.sysadmin) throw forbidden();
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    const hash = await this.#store.findPasswordHash(this.#db, id);
    if (!hash) throw new BerthError('BAD_REQUEST', 'this user signs in through LDAP or OIDC; their password is not kept by Berth');
    if (self) {
      if (!change.old_password || !(await verifyPassword(change.old_password, hash))) throw new BerthError('FORBIDDEN', 'the old password is incorrect');
    }
    checkPasswordPolicy(change.new_password);
    if (await verifyPassword(change.new_password, hash)) throw new BerthError('BAD_REQUEST', 'the new password must differ from the old one');
    const newHash = await hashPassword(change.new_password);
    await this.#db.transaction().execute(async (trx) => {
      await this.#store.updatePasswordHash(trx, id, newHash);
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: user.username, operator: actor.username, description: 'password' });
    });
    this.#authenticator.forget(user.username);
    this.#passwordChanged(user.username);
  }

  /**
   * Sets the CLI secret of an OIDC user (themselves, or anyone for a system
   * administrator): the password registry clients use with the username,
   * since OIDC users have none. Without `secret` a random one is generated
   * and returned, the only time it is shown. The old secret stops working at once.
   */
  async setCliSecret(actor: Principal, id: string, secret: string | undefined): Promise<string | undefined> {
    if (!actor.sysadmin && actor.userId !== id) throw forbidden();
    if ((await this.#settings.general()).auth_mode !== 'oidc_auth') throw new BerthError('PRECONDITION', 'CLI secrets exist only when auth_mode is oidc_auth');
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    if (user.authSource !== 'oidc') throw new BerthError('PRECONDITION', 'this user was not onboarded through OIDC; only OIDC users have a CLI secret');
    if (secret !== undefined) checkPasswordPolicy(secret, 'secret');
    const value = secret ?? generatePassword();
    const hash = await hashPassword(value);
    await this.#db.transaction().execute(async (trx) => {
      await this.#store.updateCliSecretHash(trx, id, hash);
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: user.username, operator: actor.username, description: 'cli_secret' });
    });
    this.#authenticator.forget(user.username);
    return secret === undefined ? value : undefined;
  }

  async setSysadmin(actor: Principal, id: string, sysadmin: boolean): Promise<void> {
    requireSysadmin(actor);
    if (actor.userId === id) throw new BerthError('FORBIDDEN', 'you cannot change your own administrator flag');
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    await this.#db.transaction().execute(async (trx) => {
      await this.#store.updateSysadmin(trx, id, sysadmin);
      await appendEvent(trx, { type: 'update_user', resourceType: 'user', resource: user.username, operator: actor.username, description: `sysadmin_flag=${sysadmin}` });
    });
    this.#authenticator.forget(user.username);
  }

  async delete(actor: Principal, id: string): Promise<void> {
    requireSysadmin(actor);
    if (actor.userId === id) throw new BerthError('FORBIDDEN', 'you cannot delete yourself');
    const user = await this.#store.findById(this.#db, id);
    if (!user) throw notFound();
    await this.#db.transaction().execute(async (trx) => {
      if (!(await this.#store.delete(trx, id))) throw notFound();
      await appendEvent(trx, { type: 'delete_user', resourceType: 'user', resource: user.username, operator: actor.username });
    });
    this.#authenticator.forget(user.username);
  }
}

function requireSysadmin(actor: Principal): void {
  if (!actor.sysadmin) throw forbidden();
}

function forbidden(): BerthError {
  return new BerthError('FORBIDDEN', 'forbidden');
}

function notFound(): BerthError {
  return new BerthError('NOT_FOUND', 'user not found');
}
