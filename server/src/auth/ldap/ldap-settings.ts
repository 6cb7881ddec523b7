import { z } from 'zod';
import { normalizeDn, parseFilter } from './ldap-filter.ts';

/** An attribute name or OID: these are pasted into filters unescaped, so nothing else may pass. */
const attribute = z.string().regex(/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/, 'expected an LDAP attribute name');

const dn = z.string().trim().min(1).refine(
  (value) => {
    try {
      normalizeDn(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a DN such as ou=people,dc=example,dc=com' },
);

/** Harbor accepts a filter with or without its outer parentheses; stored here with them. */
const filter = z
  .string()
  .transform((value) => {
    const trimmed = value.trim();
    return trimmed === '' || trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  })
  .refine(
    (value) => {
      try {
        if (value) parseFilter(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected an LDAP filter such as (objectClass=person)' },
  );

/** 0 base, 1 one level, 2 subtree, as Harbor numbers them. */
const scope = z.union([z.literal(0), z.literal(1), z.literal(2)]);

/** Harbor also takes a bare host[:port] and means ldap:// then. */
const url = z
  .string()
  .trim()
  .min(1)
  .transform((value) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `ldap://${value}`))
  .refine((value) => /^ldaps?:\/\/[^/?#]+\/?$/i.test(value) && URL.canParse(value), { message: 'expected ldap://host[:port] or ldaps://host[:port]' });

/**
 * Harbor's LDAP settings, under Harbor's names and with Harbor's defaults, so
 * its configuration API and existing harbor.yml values carry over. Unknown
 * keys are stripped rather than refused: callers hand in a whole Harbor
 * configuration document, of which these are a part.
 */
export const ldapSettingsSchema = z.object({
  ldap_url: url,
  /** Empty: search anonymously. */
  ldap_search_dn: z.union([z.literal(''), dn]).default(''),
  ldap_search_password: z.string().default(''),
  ldap_base_dn: dn,
  /** Extra condition every user entry must meet, e.g. (objectClass=person). */
  ldap_filter: filter.default(''),
  /** The attribute holding the login name: cn by default, uid or sAMAccountName in practice. */
  ldap_uid: attribute.default('cn'),
  ldap_scope: scope.default(2),
  /** Seconds allowed for connecting and for each operation. */
  ldap_timeout: z.number().positive().default(5),
  ldap_verify_cert: z.boolean().default(true),
  /** Not in Harbor: upgrade an ldap:// connection with StartTLS before binding (ldaps:// is TLS already). */
  ldap_start_tls: z.boolean().default(false),
  /** Empty: groups are taken only from the user's membership attribute, not searched for. */
  ldap_group_base_dn: z.union([z.literal(''), dn]).default(''),
  ldap_group_search_filter: filter.default(''),
  /** The attribute holding a group's name. */
  ldap_group_attribute_name: attribute.default('cn'),
  ldap_group_search_scope: scope.default(2),
  /** Members of this group (directly or through nested groups) are Berth administrators. */
  ldap_group_admin_dn: z.union([z.literal(''), dn]).default(''),
  /** The user attribute listing the user's groups: memberOf on Active Directory and OpenLDAP's memberof overlay. */
  ldap_group_membership_attribute: attribute.default('memberof'),
});

export type LdapSettingsInput = z.input<typeof ldapSettingsSchema>;
export type LdapSettings = z.output<typeof ldapSettingsSchema>;
