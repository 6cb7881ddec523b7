import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { generatePassword, hashPassword, verifyPassword } from './password.ts';
import { ROLE_IDS } from './rbac.ts';

export const ADMIN_USERNAME = 'admin';

/**
 * A hash of a random, discarded password with the same parameters as real
 * ones, verified when a username is unknown so that costs the same time.
 * A constant, so no extra hash is computed (and no extra 32 MiB held) at run time.
 */
export const TIMING_DECOY_HASH = 'scrypt$32768$8$1$zsFA-ixCPrw8e4va7uqLKA$MBQQUKSewMK5F_A8RjGwmHJZvAoZD46CLirpW-30pnY';

/**
 * Creates the first administrator once, on an empty database: with
 * BERTH_ADMIN_PASSWORD if given, else a random password printed once and
 * written (mode 0600) under the data directory. There is no default password.
 * Later starts never change it, as with Harbor's harbor_admin_password.
 */
export async function ensureAdmin(db: Db, configured: string | undefined, dataVolume: string, log: Logger): Promise<void> {
  const existing = await db.selectFrom('userAccount').select(['id', 'passwordHash']).where('username', '=', ADMIN_USERNAME).executeTakeFirst();
  if (existing) {
    await removeStalePasswordFile(dataVolume, existing.passwordHash, log);
    return;
  }
  await createAdmin(db, configured, dataVolume, log);
  // The default project, created by the migration, belongs to the first admin, who administers it
  // as its project admin member, as in Harbor (the 0010 migration gave existing installs the same).
  const admin = db.selectFrom('userAccount').select('id').where('username', '=', ADMIN_USERNAME);
  await db.transaction().execute(async (trx) => {
    const library = await trx
      .updateTable('project')
      .set({ ownerId: admin } as never)
      .where('name', '=', 'library')
      .where('ownerId', 'is', null)
      .returning(['id', 'ownerId'])
      .executeTakeFirst();
    if (!library?.ownerId) return;
    await trx
      .insertInto('projectMember')
      .values({ projectId: library.id, entityType: 'u', userId: library.ownerId, groupId: null, role: ROLE_IDS.projectAdmin })
      .onConflict((oc) => oc.doNothing())
      .execute();
  });
}

async function createAdmin(db: Db, configured: string | undefined, dataVolume: string, log: Logger): Promise<void> {
  const password = configured ?? generatePassword();
  const inserted = await db
    .insertInto('userAccount')
    .values({ username: ADMIN_USERNAME, passwordHash: await hashPassword(password), sysadmin: true })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted || configured) return;
  mkdirSync(dataVolume, { recursive: true });
  const file = passwordFile(dataVolume);
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  log.warn({ file }, `generated a password for user "${ADMIN_USERNAME}": ${password} (also saved in ${file}; change it after first login)`);
}

function passwordFile(dataVolume: string): string {
  return join(dataVolume, 'initial-admin-password');
}

function removePasswordFile(file: string, log: Logger): void {
  rmSync(file, { force: true });
  log.info({ file }, `removed ${file}: the password of "${ADMIN_USERNAME}" has been changed`);
}

/**
 * The generated password's file must not outlive the password: once anyone
 * changes the admin's password, it would only mislead (and it is a secret
 * left on disk). This process removes it when the change goes through it.
 */
export function retireInitialAdminPassword(dataVolume: string, log: Logger, username: string): void {
  const file = passwordFile(dataVolume);
  if (username === ADMIN_USERNAME && existsSync(file)) removePasswordFile(file, log);
}

/**
 * A replica other than the one that wrote the file may have handled the
 * change, so each start also checks the file against the admin's password.
 */
async function removeStalePasswordFile(dataVolume: string, passwordHash: string | null, log: Logger): Promise<void> {
  const file = passwordFile(dataVolume);
  let password: string;
  try {
    password = readFileSync(file, 'utf8').trim();
  } catch {
    return;
  }
  if (passwordHash && (await verifyPassword(password, passwordHash))) return;
  removePasswordFile(file, log);
}
