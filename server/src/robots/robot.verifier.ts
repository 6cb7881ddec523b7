import type { Db } from '../db/database.ts';
import { TIMING_DECOY_HASH } from '../auth/admin.ts';
import type { CredentialVerifier } from '../auth/authenticator.ts';
import { verifyPassword } from '../auth/password.ts';
import type { RobotPrincipal } from '../auth/principal.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { RobotsStore } from './robots.store.ts';

/**
 * Robot accounts logging in with name and secret, on /v2, /service/token
 * and /api/v2.0 alike. Disabled and expired robots are refused only after
 * the hash, so response times do not tell them apart from wrong secrets.
 */
export class RobotVerifier implements CredentialVerifier {
  readonly #db: Db;
  readonly #store: RobotsStore;
  readonly #settings: SettingsService;

  constructor(db: Db, store: RobotsStore, settings: SettingsService) {
    this.#db = db;
    this.#store = store;
    this.#settings = settings;
  }

  async verify(username: string, password: string): Promise<RobotPrincipal | undefined> {
    const robot = await this.#store.findLogin(this.#db, username);
    // Not a robot name: no hash here, the user verifiers after this one pay for it.
    if (!robot && !username.startsWith((await this.#settings.general()).robot_name_prefix)) return undefined;
    // A robot-looking name that is unknown costs a hash too, so names cannot be probed by timing.
    const ok = await verifyPassword(password, robot?.secretHash ?? TIMING_DECOY_HASH);
    if (!robot || !ok || robot.disabled || (robot.expiresAt !== null && robot.expiresAt.getTime() <= Date.now())) return undefined;
    return { kind: 'robot', robotId: robot.id, username: robot.name, sysadmin: false, level: robot.level, projectId: robot.projectId, expiresAt: robot.expiresAt };
  }
}
