import { BusyError, Client, InsufficientAccessError, NoSuchObjectError, ResultCodeError, UnavailableError, type Entry, type SearchOptions } from 'ldapts';
import { escapeFilterValue, normalizeDn, parseFilter } from './ldap-filter.ts';
import { LdapAmbiguousUserError, LdapBadCredentialsError, LdapDirectoryError, LdapError, LdapUnreachableError } from './ldap-errors.ts';
import type { LdapSettings } from './ldap-settings.ts';

export interface LdapUser {
  dn: string;
  /** The ldap_uid value as the directory spells it. */
  username: string;
  email: string;
  realname: string;
}

export interface LdapAuthenticatedUser extends LdapUser {
  /** Every group the user belongs to, directly or through nested groups, as the directory spells the DNs. */
  groupDNs: string[];
}

export interface LdapGroup {
  dn: string;
  name: string;
}

export interface LdapPingResult {
  ok: boolean;
  message: string;
}

const SCOPES = ['base', 'one', 'sub'] as const satisfies SearchOptions['scope'][];

/** How many levels of group-in-group nesting are followed above the direct groups; deeper is almost always a modelling accident. */
export const MAX_NESTING_DEPTH = 10;
/** The most entries a user or group search returns, as a directory's own default limit would. */
const SEARCH_LIMIT = 1000;

/** Active Directory's transitive membership match: one search yields every nested group. */
const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';
/** Root DSE supportedCapabilities of Active Directory and AD LDS, both of which implement IN_CHAIN_RULE. */
const AD_CAPABILITIES = ['1.2.840.113556.1.4.800', '1.2.840.113556.1.4.1851'];

/** A group entry as the membership walk sees it: its DN and, if the search returned it, its own membership attribute. */
interface GroupHit {
  dn: string;
  parents?: string[];
}

/**
 * Talks to an LDAP directory or Active Directory with Harbor's LDAP settings.
 * Every call opens its own connection (ldaps://, or StartTLS when
 * ldap_start_tls is set), binds as ldap_search_dn, and unbinds at the end,
 * so nothing is shared between requests and a directory restart costs no
 * stale connections. Failures throw the errors in ldap-errors.ts.
 */
export class LdapClient {
  readonly #settings: LdapSettings;
  /** Whether the server does IN_CHAIN_RULE; asked once, remembered only once known. */
  #inChain: boolean | undefined;

  constructor(settings: LdapSettings) {
    this.#settings = settings;
  }

  /** Connects and binds with the search DN, as a settings page's "test connection" button does. Never throws. */
  async ping(): Promise<LdapPingResult> {
    const { ldap_url: url, ldap_search_dn: searchDn } = this.#settings;
    try {
      await this.#session(async (client) => {
        // The bind alone proves little when anonymous: reading the root DSE proves the server answers.
        await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
      });
      return { ok: true, message: searchDn ? `connected to ${url} and bound as ${searchDn}` : `connected to ${url} anonymously` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  /**
   * Finds the user's entry with the search DN, then proves the password by
   * binding as that entry. An empty password is refused before any network
   * traffic: many servers (Active Directory among them) treat a DN with an
   * empty password as an anonymous bind and report success.
   */
  async authenticate(username: string, password: string): Promise<LdapAuthenticatedUser> {
    if (username === '' || password === '') throw new LdapBadCredentialsError();
    return await this.#session(async (client) => {
      // Two are enough to know the name is ambiguous.
      const entries = await this.#searchUsers(client, username, 2);
      if (entries.length === 0) throw new LdapBadCredentialsError();
      if (entries.length > 1) throw new LdapAmbiguousUserError(`more than one entry under ${this.#settings.ldap_base_dn} has ${this.#settings.ldap_uid}=${username}`);
      const entry = entries[0]!;
      try {
        await client.bind(entry.dn, password);
      } catch (err) {
        // Locked, expired or policy-refused accounts answer with other codes than invalidCredentials; all mean "not in".
        if (err instanceof ResultCodeError) throw new LdapBadCredentialsError(undefined, { cause: err });
        throw err;
      }
      // Back to the search DN: group lookups must not depend on what the user may read.
      await this.#bindAsSearcher(client);
      return { ...this.#toUser(entry, username), groupDNs: await this.#groupsOf(client, entry) };
    });
  }

  /** Users whose ldap_uid equals `username` (Harbor's import search); every user matching ldap_filter when empty. */
  async searchUsers(username: string): Promise<LdapUser[]> {
    return await this.#session(async (client) => {
      const entries = await this.#searchUsers(client, username, SEARCH_LIMIT);
      return entries.flatMap((entry) => (this.#firstValue(entry, this.#settings.ldap_uid) ? [this.#toUser(entry, username)] : []));
    });
  }

  /**
   * Groups matching ldap_group_search_filter, found by DN when given one
   * (anywhere in the directory, as Harbor allows) or else by their
   * ldap_group_attribute_name under ldap_group_base_dn; every group when empty.
   */
  async searchGroups(nameOrDn: string): Promise<LdapGroup[]> {
    const { ldap_group_base_dn: base, ldap_group_search_filter: groupFilter, ldap_group_attribute_name: nameAttribute } = this.#settings;
    return await this.#session(async (client) => {
      let entries: Entry[];
      if (looksLikeDn(nameOrDn)) {
        try {
          entries = (await client.search(nameOrDn, { scope: 'base', filter: parseFilter(groupFilter || '(objectClass=*)'), attributes: [nameAttribute] })).searchEntries;
        } catch (err) {
          if (err instanceof NoSuchObjectError) return [];
          throw err;
        }
      } else {
        if (!base) throw new LdapDirectoryError('ldap_group_base_dn is not set, so groups cannot be searched by name');
        const byName = nameOrDn ? `(${nameAttribute}=${escapeFilterValue(nameOrDn)})` : '';
        entries = await this.#searchGroupBase(client, and(groupFilter, byName) || '(objectClass=*)', [nameAttribute], SEARCH_LIMIT);
      }
      return entries.map((entry) => ({ dn: entry.dn, name: this.#firstValue(entry, nameAttribute) ?? '' }));
    });
  }

  /** Whether any of the groups is ldap_group_admin_dn, however either DN is cased or spaced. */
  isAdmin(groupDNs: readonly string[]): boolean {
    const adminDn = this.#settings.ldap_group_admin_dn;
    if (!adminDn) return false;
    const wanted = normalizeDn(adminDn);
    return groupDNs.some((dn) => safeNormalizeDn(dn) === wanted);
  }

  async #session<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const { ldap_url: url, ldap_timeout: timeout, ldap_verify_cert: verify } = this.#settings;
    const ldaps = url.toLowerCase().startsWith('ldaps:');
    const timeoutMs = Math.ceil(timeout * 1000);
    // tlsOptions only for ldaps://: ldapts would otherwise open a TLS socket on a plain ldap:// port.
    const client = new Client({ url, timeout: timeoutMs, connectTimeout: timeoutMs, ...(ldaps ? { tlsOptions: { rejectUnauthorized: verify } } : {}) });
    try {
      if (!ldaps && this.#settings.ldap_start_tls) await client.startTLS({ host: new URL(url).hostname, rejectUnauthorized: verify });
      await this.#bindAsSearcher(client);
      return await work(client);
    } catch (err) {
      throw this.#classify(err);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  async #bindAsSearcher(client: Client): Promise<void> {
    const { ldap_search_dn: dn, ldap_search_password: password } = this.#settings;
    // A DN with an empty password is an unauthenticated bind, which some servers accept as anonymous.
    if (dn && !password) throw new LdapDirectoryError(`ldap_search_password is empty for ldap_search_dn ${dn}`);
    try {
      await client.bind(dn, password);
    } catch (err) {
      if (err instanceof ResultCodeError) throw new LdapDirectoryError(`the directory refused the bind as ldap_search_dn ${dn || '(anonymous)'}: ${describe(err)}`, { cause: err });
      throw err;
    }
  }

  #classify(err: unknown): LdapError {
    if (err instanceof LdapError) return err;
    const url = this.#settings.ldap_url;
    if (err instanceof BusyError || err instanceof UnavailableError) return new LdapUnreachableError(`${url} is unavailable: ${describe(err)}`, { cause: err });
    if (err instanceof ResultCodeError) return new LdapDirectoryError(`${url} refused an operation: ${describe(err)}`, { cause: err });
    return new LdapUnreachableError(`cannot reach ${url}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  async #searchUsers(client: Client, username: string, sizeLimit: number): Promise<Entry[]> {
    const { ldap_base_dn: base, ldap_filter: userFilter, ldap_uid: uid, ldap_scope: scope, ldap_group_membership_attribute: membership } = this.#settings;
    const filter = and(userFilter, username ? `(${uid}=${escapeFilterValue(username)})` : '') || '(objectClass=*)';
    const { searchEntries } = await client.search(base, {
      scope: SCOPES[scope],
      filter: parseFilter(filter),
      sizeLimit,
      attributes: [uid, 'uid', 'mail', 'displayName', 'cn', membership],
    });
    return searchEntries;
  }

  #searchGroupBase(client: Client, filter: string, attributes: string[], sizeLimit = 0): Promise<Entry[]> {
    const { ldap_group_base_dn: base, ldap_group_search_scope: scope } = this.#settings;
    return client.search(base, { scope: SCOPES[scope], filter: parseFilter(filter), attributes, sizeLimit }).then((result) => result.searchEntries);
  }

  #toUser(entry: Entry, typed: string): LdapUser {
    // ldap_uid may be multi-valued (cn often is): prefer the value the user typed.
    const names = this.#values(entry, this.#settings.ldap_uid);
    const username = names.find((name) => name.toLowerCase() === typed.toLowerCase()) ?? names[0] ?? typed;
    return {
      dn: entry.dn,
      username,
      email: this.#firstValue(entry, 'mail') ?? '',
      realname: this.#firstValue(entry, 'displayName') ?? this.#firstValue(entry, 'cn') ?? '',
    };
  }

  /**
   * The user's groups: the membership attribute (memberOf) where the
   * directory keeps one, plus groups under ldap_group_base_dn that list the
   * user as member, uniqueMember or memberUid (plain OpenLDAP, or groups the
   * memberof overlay does not cover). Then the groups of those groups, level
   * by level, until nothing new turns up or MAX_NESTING_DEPTH; remembering
   * every group seen stops cycles. On Active Directory one IN_CHAIN_RULE
   * search replaces the walk.
   */
  async #groupsOf(client: Client, user: Entry): Promise<string[]> {
    const { ldap_group_base_dn: base, ldap_group_search_filter: groupFilter, ldap_group_membership_attribute: membership } = this.#settings;
    const direct = this.#values(user, membership);
    if (base && (await this.#supportsInChain(client))) {
      const chain = await this.#searchGroupBase(client, and(groupFilter, `(member:${IN_CHAIN_RULE}:=${escapeFilterValue(user.dn)})`), ['1.1']);
      return uniqueDns([...direct, ...chain.map((entry) => entry.dn)]);
    }

    const uid = this.#firstValue(user, 'uid') ?? this.#firstValue(user, this.#settings.ldap_uid);
    const found = new Map<string, string>();
    let level: GroupHit[] = [{ dn: user.dn, parents: direct }];
    for (let depth = 0; depth <= MAX_NESTING_DEPTH && level.length > 0; depth++) {
      // A group's own membership attribute came with the listing search that found it, or is read from its entry.
      const memberOf = await Promise.all(level.map(async (group) => group.parents ?? (await this.#readValues(client, group.dn, membership))));
      const listing = base ? await this.#groupsListing(client, level.map((group) => group.dn), depth === 0 ? uid : undefined) : [];
      const next: GroupHit[] = [];
      // Listing hits first: they already carry their parents, which saves reading those entries.
      for (const hit of [...listing, ...memberOf.flat().map((dn) => ({ dn }))]) {
        const key = safeNormalizeDn(hit.dn);
        if (key === undefined || found.has(key)) continue;
        found.set(key, hit.dn);
        next.push(hit);
      }
      level = next;
    }
    return [...found.values()];
  }

  /** Groups under ldap_group_base_dn that list any of `memberDns` (or `uid` as memberUid), with their own membership attribute. */
  async #groupsListing(client: Client, memberDns: string[], uid?: string): Promise<GroupHit[]> {
    const membership = this.#settings.ldap_group_membership_attribute;
    const clauses = memberDns.flatMap((dn) => [`(member=${escapeFilterValue(dn)})`, `(uniqueMember=${escapeFilterValue(dn)})`]);
    if (uid) clauses.push(`(memberUid=${escapeFilterValue(uid)})`);
    const entries = await this.#searchGroupBase(client, and(this.#settings.ldap_group_search_filter, `(|${clauses.join('')})`), [membership]);
    return entries.map((entry) => ({ dn: entry.dn, parents: this.#values(entry, membership) }));
  }

  async #readValues(client: Client, dn: string, attribute: string): Promise<string[]> {
    try {
      const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=*)', attributes: [attribute] });
      return searchEntries[0] ? this.#values(searchEntries[0], attribute) : [];
    } catch (err) {
      // A dangling memberOf value, or a group the search DN may not read, ends that branch only.
      if (err instanceof NoSuchObjectError || err instanceof InsufficientAccessError) return [];
      throw err;
    }
  }

  async #supportsInChain(client: Client): Promise<boolean> {
    if (this.#inChain === undefined) {
      const { searchEntries } = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['supportedCapabilities'] });
      const capabilities = searchEntries[0] ? this.#values(searchEntries[0], 'supportedCapabilities') : [];
      this.#inChain = capabilities.some((oid) => AD_CAPABILITIES.includes(oid));
    }
    return this.#inChain;
  }

  /** An attribute's values; servers answer in their own case (memberOf for memberof), so names compare case-insensitively. */
  #values(entry: Entry, attribute: string): string[] {
    const wanted = attribute.toLowerCase();
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'dn' || key.toLowerCase() !== wanted) continue;
      return (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v));
    }
    return [];
  }

  #firstValue(entry: Entry, attribute: string): string | undefined {
    return this.#values(entry, attribute)[0];
  }
}

/**
 * "invalid credentials (LDAP result 49): <server's diagnostic>". ldapts's own
 * message is only the server's diagnostic, which is often empty.
 */
function describe(err: ResultCodeError): string {
  const name = err.name.replace(/Error$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const diagnostic = err.message.replace(/\s*Code: 0x[0-9a-f]+$/, '').trim();
  return `${name} (LDAP result ${err.code})${diagnostic ? `: ${diagnostic}` : ''}`;
}

/** `(&a b)` of the non-empty filters, or the one that is, or ''. */
function and(...filters: string[]): string {
  const present = filters.filter(Boolean);
  return present.length > 1 ? `(&${present.join('')})` : (present[0] ?? '');
}

/** The DNs without repeats, comparing normalised forms and keeping the first spelling. */
function uniqueDns(dns: string[]): string[] {
  const unique = new Map<string, string>();
  for (const dn of dns) {
    const key = safeNormalizeDn(dn);
    if (key !== undefined && !unique.has(key)) unique.set(key, dn);
  }
  return [...unique.values()];
}

/** Whether `value` is a well-formed DN (and not, say, a bare group name). */
export function looksLikeDn(value: string): boolean {
  return value.includes('=') && safeNormalizeDn(value) !== undefined;
}

function safeNormalizeDn(dn: string): string | undefined {
  try {
    return normalizeDn(dn);
  } catch {
    return undefined;
  }
}
