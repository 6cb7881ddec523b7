import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ldapSettingsSchema } from './ldap-settings.ts';

const minimal = { ldap_url: 'ldaps://ldap.example.com', ldap_base_dn: 'dc=example,dc=com' };

describe('LDAP settings', () => {
  it('fills in Harbor’s defaults', () => {
    assert.deepEqual(ldapSettingsSchema.parse(minimal), {
      ...minimal,
      ldap_search_dn: '',
      ldap_search_password: '',
      ldap_filter: '',
      ldap_uid: 'cn',
      ldap_scope: 2,
      ldap_timeout: 5,
      ldap_verify_cert: true,
      ldap_start_tls: false,
      ldap_group_base_dn: '',
      ldap_group_search_filter: '',
      ldap_group_attribute_name: 'cn',
      ldap_group_search_scope: 2,
      ldap_group_admin_dn: '',
      ldap_group_membership_attribute: 'memberof',
    });
  });

  it('accepts what Harbor accepts: a bare host as URL, a filter without parentheses', () => {
    const settings = ldapSettingsSchema.parse({ ...minimal, ldap_url: 'ldap.example.com:389', ldap_filter: 'objectClass=person' });
    assert.equal(settings.ldap_url, 'ldap://ldap.example.com:389');
    assert.equal(settings.ldap_filter, '(objectClass=person)');
  });

  it('ignores keys that belong to the rest of Harbor’s configuration', () => {
    assert.equal('auth_mode' in ldapSettingsSchema.parse({ ...minimal, auth_mode: 'ldap_auth' }), false);
  });

  it('refuses values that would break or widen the searches', () => {
    const bad = [
      { ldap_uid: 'uid)(|(uid=*' },
      { ldap_group_membership_attribute: 'memberOf=*' },
      { ldap_filter: '(objectClass=person' },
      { ldap_base_dn: '' },
      { ldap_base_dn: 'example.com' },
      { ldap_group_admin_dn: 'admins' },
      { ldap_url: 'http://ldap.example.com' },
      { ldap_url: 'ldap://ldap.example.com/dc=example,dc=com' },
      { ldap_scope: 3 },
      { ldap_timeout: 0 },
    ];
    for (const override of bad) assert.equal(ldapSettingsSchema.safeParse({ ...minimal, ...override }).success, false, JSON.stringify(override));
  });
});
