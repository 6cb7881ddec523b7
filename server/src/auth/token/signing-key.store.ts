import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  privateKeyPem: string;
  publicJwk: Record<string, unknown>;
}

/** SQL for token signing keys: one method per query. */
export class SigningKeyStore {
  async findActive(db: Db): Promise<StoredSigningKey | undefined> {
    return await db
      .selectFrom('signingKey')
      .select(['kid', 'algorithm', 'privateKeyPem', 'publicJwk'])
      .where('retiredAt', 'is', null)
      .orderBy('createdAt', 'desc')
      .executeTakeFirst();
  }

  async findByKid(db: Db, kid: string): Promise<StoredSigningKey | undefined> {
    return await db.selectFrom('signingKey').select(['kid', 'algorithm', 'privateKeyPem', 'publicJwk']).where('kid', '=', kid).executeTakeFirst();
  }

  /**
   * Inserts `key` unless an active key appeared meanwhile; returns the active
   * key either way. The advisory lock makes replicas starting together agree
   * on one key instead of each minting its own.
   */
  async insertIfNoneActive(db: Db, key: StoredSigningKey): Promise<StoredSigningKey> {
    return await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended('berth.signing_key', 0))`.execute(trx);
      const existing = await trx
        .selectFrom('signingKey')
        .select(['kid', 'algorithm', 'privateKeyPem', 'publicJwk'])
        .where('retiredAt', 'is', null)
        .orderBy('createdAt', 'desc')
        .executeTakeFirst();
      if (existing) return existing;
      await trx.insertInto('signingKey').values({ ...key, publicJwk: JSON.stringify(key.publicJwk) }).execute();
      return key;
    });
  }
}
