import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../fixtures/app-harness.ts';
import { BerthContract } from '../fixtures/openapi-contract.ts';

let t: TestApp;
let contract: BerthContract;
before(async () => {
  t = await startTestApp();
  contract = await BerthContract.of(t.url);
});
after(async () => t.close());

const json = 'application/json; charset=utf-8';
const user = { user_id: 1, username: 'admin', email: '', realname: 'Admin', comment: '', sysadmin_flag: true, admin_role_in_auth: false, creation_time: '2026-11-22T00:00:00.000Z', update_time: '2026-11-22T00:00:00.000Z' };

describe("Berth's API document (/swagger.json)", () => {
  it('is served without a login as an OpenAPI 3.1 document of the /api/v2.0 operations', async () => {
    const response = await fetch(`${t.url}/swagger.json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>> };
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(document.servers, [{ url: '/api/v2.0' }]);
    assert.deepEqual(document.paths['/users/{user_id}']?.get?.parameters, [{ name: 'user_id', in: 'path', required: true, schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } }]);
  });

  it('accepts a response as documented, and a documented failure in the error envelope', () => {
    assert.deepEqual(contract.validate('GET', '/users/7', 200, json, user), []);
    assert.deepEqual(contract.validate('GET', '/users/current', 401, json, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }), []);
  });

  it('reports a wrong field type, an undocumented field, an undocumented status and a missing body', () => {
    assert.match(contract.validate('GET', '/users/7', 200, json, { ...user, user_id: '7' }).join(), /user_id/);
    assert.match(contract.validate('GET', '/users/7', 200, json, { ...user, password: 'x' }).join(), /additional/);
    assert.match(contract.validate('GET', '/users/current', 418, json, {}).join(), /status not documented/);
    assert.match(contract.validate('GET', '/users/7', 200, undefined, undefined).join(), /got no content type/);
    assert.match(contract.validate('POST', '/users', 201, json, { id: 1 }).join(), /documents no body/);
    assert.match(contract.validate('GET', '/users/current', 401, json, { errors: 'nope' }).join(), /errors/);
  });

  it('describes every Harbor operation docs/api-compatibility.md says Berth implements, and no other', () => {
    const table = readFileSync(new URL('../../../docs/api-compatibility.md', import.meta.url), 'utf8');
    const normalize = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
    const implemented = [...table.matchAll(/^\| (GET|PUT|POST|PATCH|DELETE|HEAD) \| `([^`]+)` \| \w+ \| \*\*implemented\*\*[^|]* \|$/gm)].map(([, method, path]) => `${method} ${normalize(path!)}`);
    assert.ok(implemented.length > 80, `found ${implemented.length} implemented operations in docs/api-compatibility.md`);
    const described = Object.entries(contract.document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${normalize(path)}`));
    assert.deepEqual(implemented.filter((operation) => !described.includes(operation)).sort(), [], 'implemented operations missing from the document');
    // Berth answers /projects/{…}/metadatas without Harbor's trailing slash too.
    const extra = described.filter((operation) => !implemented.includes(operation) && !operation.endsWith('/metadatas'));
    assert.deepEqual(extra.sort(), [], 'described operations docs/api-compatibility.md does not list as implemented');
  });
});
