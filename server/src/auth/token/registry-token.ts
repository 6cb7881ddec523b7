import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Db } from '../../db/database.ts';
import { SigningKeyStore, type StoredSigningKey } from './signing-key.store.ts';

const ALGORITHM = 'RS256';

/** One `access` entry of a Docker registry token, as Harbor and distribution write them. */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface RegistryTokenClaims {
  subject: string;
  audience: string;
  access: AccessEntry[];
  /**
   * Project name → id at issue time, for every project the access list
   * names. A project deleted and re-created under the same name has a new id,
   * so older tokens never reach it (whatever the replicas' clocks say).
   */
  projects: Record<string, string>;
  issuedAt: Date;
  expiresAt: Date;
}

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

/**
 * Issues and verifies the RS256 JWTs of the Docker token service. Keys live
 * in PostgreSQL so every replica signs and verifies alike; only keys from
 * that table are ever trusted — never a key named or embedded by the token.
 */
export class RegistryTokens {
  readonly #db: Db;
  readonly #store = new SigningKeyStore();
  readonly #issuer: string;
  #signing: Promise<{ kid: string; key: CryptoKey }> | undefined;
  /** Public keys by kid; keys are immutable once written, so caching them is safe. */
  readonly #verifying = new Map<string, Promise<CryptoKey | undefined>>();

  constructor(db: Db, issuer: string) {
    this.#db = db;
    this.#issuer = issuer;
  }

  async issue(subject: string, audience: string, access: AccessEntry[], ttlSeconds: number, projects: Record<string, string> = {}): Promise<{ token: string; claims: RegistryTokenClaims }> {
    const { kid, key } = await (this.#signing ??= this.#loadSigningKey());
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access, projects })
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setIssuer(this.#issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomUUID())
      .sign(key);
    return { token, claims: { subject, audience, access, projects, issuedAt: new Date(now * 1000), expiresAt: new Date((now + ttlSeconds) * 1000) } };
  }

  /**
   * Verifies signature (RS256 only, by a key of ours chosen by `kid`),
   * issuer, audience, time window, and that `iat` is present: without it a
   * token cannot be compared with the creation time of what it grants.
   */
  async verify(token: string, audience: string): Promise<RegistryTokenClaims> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidTokenError('malformed');
    }
    if (header.alg !== ALGORITHM) throw new InvalidTokenError(`algorithm ${String(header.alg)} is not accepted`);
    if (header.jwk !== undefined || header.jku !== undefined || header.x5u !== undefined || header.x5c !== undefined) {
      throw new InvalidTokenError('tokens may not carry or point to their own keys');
    }
    if (typeof header.kid !== 'string') throw new InvalidTokenError('no key id');
    const key = await this.#publicKey(header.kid);
    if (!key) throw new InvalidTokenError('signed by an unknown key');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: this.#issuer, audience, requiredClaims: ['iat', 'exp', 'sub'] }));
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    const access = Array.isArray(payload.access) ? (payload.access as AccessEntry[]) : [];
    const projects = payload.projects && typeof payload.projects === 'object' ? (payload.projects as Record<string, string>) : {};
    return {
      subject: payload.sub!,
      audience,
      access,
      projects,
      issuedAt: new Date(payload.iat! * 1000),
      expiresAt: new Date(payload.exp! * 1000),
    };
  }

  async #loadSigningKey(): Promise<{ kid: string; key: CryptoKey }> {
    const stored = (await this.#store.findActive(this.#db)) ?? (await this.#store.insertIfNoneActive(this.#db, await generateSigningKey()));
    return { kid: stored.kid, key: await importPKCS8(stored.privateKeyPem, ALGORITHM) };
  }

  #publicKey(kid: string): Promise<CryptoKey | undefined> {
    let pending = this.#verifying.get(kid);
    if (!pending) {
      pending = this.#store.findByKid(this.#db, kid).then(async (stored) => (stored ? ((await importJWK(stored.publicJwk, ALGORITHM)) as CryptoKey) : undefined));
      // Unknown kids are not cached: a key another replica just created must become verifiable.
      pending.then((key) => key ?? this.#verifying.delete(kid), () => this.#verifying.delete(kid));
      this.#verifying.set(kid, pending);
    }
    return pending;
  }
}

async function generateSigningKey(): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { modulusLength: 3072, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, algorithm: ALGORITHM, privateKeyPem: await exportPKCS8(privateKey), publicJwk: { ...publicJwk, kid, alg: ALGORITHM, use: 'sig' } };
}
