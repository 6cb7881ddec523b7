import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HarborContract } from '../fixtures/harbor-contract.ts';

const absent = !HarborContract.present() && "Harbor's swagger file is not beside the repository";

describe("the Harbor API contract check (Harbor's swagger file)", { skip: absent }, () => {
  // A skipped suite's body never runs, so this reads the file only when it is there.
  const contract = HarborContract.load();
  const user = { user_id: 1, username: 'admin', email: 'a@example.com', realname: 'Admin', comment: '', sysadmin_flag: true, admin_role_in_auth: false, creation_time: '2026-11-22T00:00:00Z', update_time: '2026-11-22T00:00:00Z' };

  it('accepts a response shaped as Harbor documents it, matching the most literal path', () => {
    assert.deepEqual(contract.validate('GET', '/api/v2.0/users/current', 200, user), []);
    assert.deepEqual(contract.validate('GET', '/api/v2.0/users/7', 200, user), []);
  });

  it('reports wrong types, undocumented statuses and unknown operations', () => {
    assert.match(contract.validate('GET', '/api/v2.0/users/current', 200, { ...user, user_id: 'one' }).join(), /user_id/);
    assert.match(contract.validate('GET', '/api/v2.0/users/current', 200, { ...user, creation_time: 'yesterday' }).join(), /creation_time/);
    assert.match(contract.validate('GET', '/api/v2.0/users/current', 204, undefined).join(), /does not document status 204/);
    assert.match(contract.validate('PATCH', '/api/v2.0/users/current', 200, {}).join(), /not a Harbor API operation/);
    assert.match(contract.validate('GET', '/api/v2.0/nowhere', 200, {}).join(), /not a Harbor API path/);
  });

  it('checks every failure, documented or not, against the shared error envelope', () => {
    assert.deepEqual(contract.validate('GET', '/api/v2.0/users/current', 401, { errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }] }), []);
    assert.deepEqual(contract.validate('GET', '/api/v2.0/users', 400, { errors: [{ code: 'BAD_REQUEST', message: 'bad q' }] }), []);
    assert.notDeepEqual(contract.validate('GET', '/api/v2.0/users/current', 401, { errors: 'nope' }), []);
  });

  it('takes bodies documented as text or as a file as they are', () => {
    assert.deepEqual(contract.validate('GET', '/api/v2.0/ping', 200, 'Pong'), []);
    assert.deepEqual(contract.validate('GET', '/api/v2.0/systeminfo/getcert', 200, '-----BEGIN CERTIFICATE-----\n'), []);
  });

  it('checks a failure that documents its own body against that body', () => {
    assert.deepEqual(contract.validate('POST', '/api/v2.0/ldap/users/import', 404, [{ uid: 'nobody', error: 'not found' }]), []);
    assert.notDeepEqual(contract.validate('POST', '/api/v2.0/ldap/users/import', 404, { errors: [{ code: 'NOT_FOUND', message: 'x' }] }), []);
  });
});
