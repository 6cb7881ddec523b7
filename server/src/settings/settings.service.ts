import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { BerthError } from '../errors.ts';
import { ldapSettingsSchema, type LdapSettings } from '../auth/ldap/ldap-settings.ts';
import { oidcSettingsSchema, type OidcSettings } from '../auth/oidc/oidc-settings.ts';
import { generalSettingsSchema, type GeneralSettings } from './settings.schema.ts';
import { UNWATCHED, type CacheFreshness } from '../events/change-listener.ts';
import { announce } from '../events/outbox.ts';

/**
 * The longest a replica serves settings it read earlier. A change is
 * announced to every process, which drops them at once (app.ts); this bounds
 * what a lost announcement costs, and `freshness` cuts it to 2 s while no
 * announcement can arrive.
 */
const CACHE_MS = 60_000;

export interface Settings {
  general: GeneralSettings;
  /** Every stored key, LDAP and OIDC ones included (secrets too: callers must not echo them). */
  raw: Readonly<Record<string, unknown>>;
}

interface CacheEntry {
  at: number;
  value: Promise<Settings>;
  /** The value once read. */
  settled?: Settings;
}

/** Run-time settings in the system_setting table, validated on read and write. */
export class SettingsService {
  readonly #db: Db;
  readonly #freshness: CacheFreshness;
  #cached: CacheEntry | undefined;

  constructor(db: Db, freshness: CacheFreshness = UNWATCHED) {
    this.#db = db;
    this.#freshness = freshness;
  }

  /** Forgets the settings read earlier (another process changed them); reads already under way are not kept. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /**
   * `db`: the caller's transaction when it holds one. A read whose cache has
   * expired needs a connection, and inside a transaction only the
   * transaction's own may be used (see NestedConnectionError); nor may it
   * wait for another task's read, which may be queued for a connection that
   * transactions like this one hold. What a transaction reads is not cached:
   * it may include its own uncommitted writes.
   */
  async get(db: Db | Transaction<Database> = this.#db): Promise<Settings> {
    const cached = this.#cached;
    const fresh = cached !== undefined && Date.now() - cached.at <= this.#freshness.maxAge(CACHE_MS);
    if (db !== this.#db) return fresh && cached.settled ? cached.settled : await this.#load(db);
    if (fresh) return await cached.value;
    const entry: CacheEntry = { at: Date.now(), value: this.#load() };
    this.#cached = entry;
    entry.value.then(
      (settings) => (entry.settled = settings),
      () => {
        if (this.#cached === entry) this.#cached = undefined;
      },
    );
    return await entry.value;
  }

  async general(db?: Db | Transaction<Database>): Promise<GeneralSettings> {
    return (await this.get(db)).general;
  }

  /** The LDAP settings when LDAP is the configured auth mode, else undefined. */
  async ldap(): Promise<LdapSettings | undefined> {
    const settings = await this.get();
    if (settings.general.auth_mode !== 'ldap_auth') return undefined;
    return ldapSettingsSchema.parse(settings.raw);
  }

  /** The OIDC settings when OIDC is the configured auth mode, else undefined. */
  async oidc(): Promise<OidcSettings | undefined> {
    const settings = await this.get();
    if (settings.general.auth_mode !== 'oidc_auth') return undefined;
    return oidcSettingsSchema.parse(settings.raw);
  }

  /**
   * Stores `changes` after checking that the result is valid as a whole
   * (e.g. switching auth_mode to ldap_auth needs ldap_url and ldap_base_dn).
   * `alongside` runs in the same transaction (an audit record), so the
   * change and its record commit together.
   */
  async update(changes: Record<string, unknown>, alongside?: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    const current = await this.#load();
    const merged = { ...current.raw, ...changes };
    const general = generalSettingsSchema.safeParse(merged);
    if (!general.success) throw invalid(general.error.issues[0]!);
    const external = general.data.auth_mode === 'ldap_auth' ? ldapSettingsSchema : general.data.auth_mode === 'oidc_auth' ? oidcSettingsSchema : undefined;
    const checked = external?.safeParse(merged);
    if (checked && !checked.success) throw invalid(checked.error.issues[0]!);
    await this.#db.transaction().execute(async (trx) => {
      for (const [key, value] of Object.entries(changes)) {
        await trx
          .insertInto('systemSetting')
          .values({ key, value: JSON.stringify(value) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), updatedAt: sql`now()` } as never))
          .execute();
      }
      await alongside?.(trx);
      // Announced here, by the only writer of system_setting, whether or not the caller records an event.
      await announce(trx, [{ type: 'update_configuration', resource: 'configurations' }]);
    });
    this.invalidate();
  }

  async #load(db: Db | Transaction<Database> = this.#db): Promise<Settings> {
    const rows = await db.selectFrom('systemSetting').select(['key', 'value']).execute();
    const raw: Record<string, unknown> = {};
    for (const row of rows) raw[row.key] = row.value;
    const general = generalSettingsSchema.safeParse(raw);
    // Stored values were valid when written; if a later version tightened a rule, fall back to defaults per key.
    return { raw, general: general.success ? general.data : generalSettingsSchema.parse({}) };
  }
}

function invalid(issue: { path: PropertyKey[]; message: string }): BerthError {
  return new BerthError('BAD_REQUEST', `${issue.path.map(String).join('.') || 'configuration'}: ${issue.message}`);
}
