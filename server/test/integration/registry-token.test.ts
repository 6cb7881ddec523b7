import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.ts';
import { InvalidTokenError, RegistryTokens } from '../../src/auth/token/registry-token.ts';
import { createTestDatabase } from '../fixtures/test-database.ts';

const ISSUER = 'berth-token-issuer';
const SERVICE = 'berth-registry';
const ACCESS = [{ type: 'repository', name: 'library/app', actions: ['pull'] }];

let db: Db;
let drop: () => Promise<void>;
let tokens: RegistryTokens;

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  db = createDatabase(database.url, 5);
  await migrateToLatest(db);
  tokens = new RegistryTokens(db, ISSUER);
});
after(async () => {
  await db.destroy();
  await drop();
});

async function ourKey(): Promise<{ kid: string; pem: string }> {
  const row = await db.selectFrom('signingKey').select(['kid', 'privateKeyPem']).executeTakeFirstOrThrow();
  return { kid: row.kid, pem: row.privateKeyPem };
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('registry tokens', () => {
  it('round-trip: an issued token verifies with its subject, audience and access', async () => {
    const { token, claims } = await tokens.issue('alice', SERVICE, ACCESS, 1800);
    const verified = await tokens.verify(token, SERVICE);
    assert.equal(verified.subject, 'alice');
    assert.deepEqual(verified.access, ACCESS);
    assert.equal(verified.issuedAt.getTime(), claims.issuedAt.getTime());
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    assert.equal(header.alg, 'RS256');
    assert.equal(typeof header.kid, 'string');
  });

  it('is signed by one key shared by every replica, verifiable by any of them', async () => {
    const replicas = [new RegistryTokens(db, ISSUER), new RegistryTokens(db, ISSUER)];
    const issued = await Promise.all(replicas.map((replica) => replica.issue('bob', SERVICE, ACCESS, 60)));
    for (const { token } of issued) for (const replica of [...replicas, tokens]) assert.equal((await replica.verify(token, SERVICE)).subject, 'bob');
    const keys = await db.selectFrom('signingKey').select('kid').execute();
    assert.equal(keys.length, 1);
  });

  it('refuses alg:none tokens', async () => {
    const { kid } = await ourKey();
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', kid })}.${b64({ iss: ISSUER, sub: 'admin', aud: SERVICE, iat: now, exp: now + 60, access: ACCESS })}.`;
    await assert.rejects(tokens.verify(token, SERVICE), InvalidTokenError);
  });

  it('refuses a token signed by a foreign key, even one claiming our key id or embedding its own jwk', async () => {
    const { kid } = await ourKey();
    const foreign = await generateKeyPair('RS256');
    const forged = await new SignJWT({ access: ACCESS }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setSubject('admin').setAudience(SERVICE).setIssuedAt().setExpirationTime('1h').sign(foreign.privateKey);
    await assert.rejects(tokens.verify(forged, SERVICE), InvalidTokenError);
    const jwk = await exportJWK(foreign.publicKey);
    const embedded = await new SignJWT({ access: ACCESS }).setProtectedHeader({ alg: 'RS256', kid, jwk }).setIssuer(ISSUER).setSubject('admin').setAudience(SERVICE).setIssuedAt().setExpirationTime('1h').sign(foreign.privateKey);
    await assert.rejects(tokens.verify(embedded, SERVICE), /carry or point to their own keys/);
  });

  it('refuses tokens without iat, even when signed by our own key', async () => {
    const { kid, pem } = await ourKey();
    const key = await importPKCS8(pem, 'RS256');
    const token = await new SignJWT({ access: ACCESS }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setSubject('admin').setAudience(SERVICE).setExpirationTime('1h').sign(key);
    await assert.rejects(tokens.verify(token, SERVICE), /iat/);
  });

  it('refuses HMAC tokens keyed with our public key (algorithm confusion)', async () => {
    const { kid } = await ourKey();
    const row = await db.selectFrom('signingKey').select('publicJwk').executeTakeFirstOrThrow();
    const secret = new TextEncoder().encode(JSON.stringify(row.publicJwk));
    const token = await new SignJWT({ access: ACCESS }).setProtectedHeader({ alg: 'HS256', kid }).setIssuer(ISSUER).setSubject('admin').setAudience(SERVICE).setIssuedAt().setExpirationTime('1h').sign(secret);
    await assert.rejects(tokens.verify(token, SERVICE), /algorithm HS256/);
  });

  it('refuses expired tokens and tokens for another audience or issuer', async () => {
    const { kid, pem } = await ourKey();
    const key = await importPKCS8(pem, 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ access: ACCESS }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setSubject('a').setAudience(SERVICE).setIssuedAt(now - 7200).setExpirationTime(now - 3600).sign(key);
    await assert.rejects(tokens.verify(expired, SERVICE), InvalidTokenError);
    const { token } = await tokens.issue('a', SERVICE, ACCESS, 60);
    await assert.rejects(tokens.verify(token, 'another-service'), InvalidTokenError);
    await assert.rejects(new RegistryTokens(db, 'someone-else').verify(token, SERVICE), InvalidTokenError);
    await assert.rejects(tokens.verify('not.a.token', SERVICE), InvalidTokenError);
  });
});
