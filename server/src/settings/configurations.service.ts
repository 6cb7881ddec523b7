import type { z } from 'zod';
import { BerthError } from '../errors.ts';
import { appendEvent } from '../events/outbox.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ldapSettingsSchema } from '../auth/ldap/ldap-settings.ts';
import { oidcSettingsSchema } from '../auth/oidc/oidc-settings.ts';
import type { UserPrincipal } from '../auth/principal.ts';
import { generalSettingsSchema } from './settings.schema.ts';
import type { SettingsService } from './settings.service.ts';

/** Every key /configurations knows, with the rule for its value. */
const KEYS: Record<string, z.ZodType> = { ...generalSettingsSchema.shape, ...ldapSettingsSchema.shape, ...oidcSettingsSchema.shape };

/** Written, never read back: GET leaves them out and the audit log names them only. */
const SECRETS = new Set(['ldap_search_password', 'oidc_client_secret']);

export interface ConfigItem {
  value: unknown;
  editable: boolean;
}

/**
 * Harbor's /configurations: the run-time settings as an administrator sees
 * and changes them. Only known keys are accepted, each checked on its own
 * and then all together (SettingsService.update).
 */
export class ConfigurationsService {
  readonly #settings: SettingsService;
  readonly #authenticator: Authenticator;

  constructor(deps: { settings: SettingsService; authenticator: Authenticator }) {
    this.#settings = deps.settings;
    this.#authenticator = deps.authenticator;
  }

  /** Harbor's ConfigurationsResponse: each key's saved value or its default; secrets left out. */
  async view(): Promise<Record<string, ConfigItem>> {
    const { raw } = await this.#settings.get();
    const view: Record<string, ConfigItem> = {};
    for (const [key, rule] of Object.entries(KEYS)) {
      if (SECRETS.has(key)) continue;
      const value = Object.hasOwn(raw, key) ? raw[key] : (rule.safeParse(undefined).data ?? '');
      // Harbor's API carries structured values (oidc_extra_redirect_parms) as JSON strings.
      view[key] = { value: typeof value === 'object' && value !== null ? JSON.stringify(value) : value, editable: true };
    }
    return view;
  }

  async update(actor: UserPrincipal, body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BerthError('BAD_REQUEST', 'request body: expected an object of configuration keys');
    const changes = body as Record<string, unknown>;
    for (const [key, value] of Object.entries(changes)) {
      const rule = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
      if (!rule) throw new BerthError('BAD_REQUEST', `${key}: unknown configuration key`);
      const checked = rule.safeParse(value);
      if (!checked.success) throw new BerthError('BAD_REQUEST', `${key}: ${checked.error.issues[0]!.message}`);
    }
    const { raw } = await this.#settings.get();
    const changed = Object.keys(changes).filter((key) => JSON.stringify(raw[key]) !== JSON.stringify(changes[key]));
    if (changed.length === 0) return;
    await this.#settings.update(Object.fromEntries(changed.map((key) => [key, changes[key]])), async (trx) => {
      const description = `changed ${changed.join(', ')}`;
      await appendEvent(trx, { type: 'update_configuration', resourceType: 'configuration', resource: 'configurations', operator: actor.username, description });
    });
    // Logins cached under the old rules (local users, the directory) must not outlive them here; other processes hear the event's announcement.
    this.#authenticator.forgetAll();
  }
}
