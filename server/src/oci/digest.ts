import { createHash, type Hash } from 'node:crypto';

/**
 * Digests as the OCI image spec defines them: algorithm ":" encoded. Berth
 * stores and verifies sha256 and sha512; other registered or syntactically
 * valid algorithms are refused as unsupported by the caller.
 */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const ENCODED_LENGTH = { sha256: 64, sha512: 128 } as const;

export type DigestAlgorithm = keyof typeof ENCODED_LENGTH;

export interface Digest {
  algorithm: DigestAlgorithm;
  encoded: string;
  value: string;
}

/** Parses a digest Berth can verify; undefined for anything else. */
export function parseDigest(value: string): Digest | undefined {
  if (value.length > 200 || !DIGEST_GRAMMAR.test(value)) return undefined;
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const encoded = value.slice(colon + 1);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return undefined;
  if (encoded.length !== ENCODED_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(encoded)) return undefined;
  return { algorithm, encoded, value };
}

export function newHasher(algorithm: DigestAlgorithm = 'sha256'): Hash {
  return createHash(algorithm);
}

export function digestOf(content: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(content).digest('hex')}`;
}
