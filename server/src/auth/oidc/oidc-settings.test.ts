import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { oidcSettingsSchema } from './oidc-settings.ts';

const required = { oidc_name: 'Corp SSO', oidc_endpoint: 'https://sso.example.test/realms/corp', oidc_client_id: 'berth', oidc_client_secret: 's3cret' };

describe('OIDC settings', () => {
  it('fills in Harbor’s defaults', () => {
    assert.deepEqual(oidcSettingsSchema.parse(required), {
      ...required,
      oidc_groups_claim: '',
      oidc_admin_group: '',
      oidc_group_filter: '',
      oidc_scope: 'openid,offline_access',
      oidc_user_claim: '',
      oidc_verify_cert: true,
      oidc_auto_onboard: false,
      oidc_extra_redirect_parms: {},
      oidc_logout: false,
    });
  });

  it('reads oidc_extra_redirect_parms as Harbor’s JSON string or as an object', () => {
    const fromString = oidcSettingsSchema.parse({ ...required, oidc_extra_redirect_parms: '{"prompt":"login","kc_idp_hint":"github"}' });
    assert.deepEqual(fromString.oidc_extra_redirect_parms, { prompt: 'login', kc_idp_hint: 'github' });
    assert.deepEqual(oidcSettingsSchema.parse({ ...required, oidc_extra_redirect_parms: '' }).oidc_extra_redirect_parms, {});
    assert.deepEqual(oidcSettingsSchema.parse({ ...required, oidc_extra_redirect_parms: { prompt: 'login' } }).oidc_extra_redirect_parms, { prompt: 'login' });
    for (const bad of ['{not json', '{"max_age":300}', '["prompt"]']) {
      assert.equal(oidcSettingsSchema.safeParse({ ...required, oidc_extra_redirect_parms: bad }).success, false, bad);
    }
  });

  it('refuses a group filter that is not a regular expression', () => {
    assert.equal(oidcSettingsSchema.safeParse({ ...required, oidc_group_filter: '^(dev' }).success, false);
    assert.equal(oidcSettingsSchema.parse({ ...required, oidc_group_filter: '^dev-' }).oidc_group_filter, '^dev-');
  });

  it('wants an https endpoint, allowing plain http on loopback only', () => {
    assert.equal(oidcSettingsSchema.safeParse({ ...required, oidc_endpoint: 'http://sso.example.test' }).success, false);
    assert.equal(oidcSettingsSchema.safeParse({ ...required, oidc_endpoint: 'ftp://sso.example.test' }).success, false);
    for (const endpoint of ['http://127.0.0.1:5556/dex', 'http://localhost:8080/realms/dev', 'http://[::1]:9000']) {
      assert.equal(oidcSettingsSchema.safeParse({ ...required, oidc_endpoint: endpoint }).success, true, endpoint);
    }
  });
});
