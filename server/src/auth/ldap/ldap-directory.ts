import { BerthError } from '../../errors.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { LdapError } from './ldap-errors.ts';
import { LdapClient } from './ldap.provider.ts';

/**
 * The directory Berth is configured to use: an LdapClient for the saved
 * settings while auth_mode is ldap_auth. The client is kept while the
 * settings stay the same, so what it learnt about the server (whether it is
 * Active Directory) is not asked again on every login.
 */
export class LdapDirectory {
  readonly #settings: SettingsService;
  #current: { key: string; client: LdapClient } | undefined;

  constructor(settings: SettingsService) {
    this.#settings = settings;
  }

  /** The client, or undefined when LDAP is not the auth mode. */
  async client(): Promise<LdapClient | undefined> {
    const settings = await this.#settings.ldap();
    if (!settings) return undefined;
    const key = JSON.stringify(settings);
    if (this.#current?.key !== key) this.#current = { key, client: new LdapClient(settings) };
    return this.#current.client;
  }

  /** The client for API calls that only make sense with LDAP on (searching and importing): 412 otherwise. */
  async require(): Promise<LdapClient> {
    const client = await this.client();
    if (!client) throw new BerthError('PRECONDITION', 'LDAP is not the configured auth_mode');
    return client;
  }
}

/** A directory failure as the API answers it: 503 with the reason, which only administrators get to see. */
export function directoryFailure(error: unknown): unknown {
  if (error instanceof LdapError && error.status === 503) return new BerthError('SERVICE_UNAVAILABLE', `LDAP: ${error.message}`);
  return error;
}
