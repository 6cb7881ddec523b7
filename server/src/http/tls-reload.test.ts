import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tlsPairProblem } from './tls-reload.ts';

function pair(dir: string, name: string, algorithm: string[]): { cert: Buffer; key: Buffer } {
  execFileSync('openssl', ['req', '-x509', '-newkey', ...algorithm, '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
}

describe('a TLS certificate and key', () => {
  it('are served only as a matching pair: a key of another certificate (same or other algorithm) or garbage is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-tls-pair-'));
    try {
      const ec = ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
      const a = pair(dir, 'a', ec);
      const b = pair(dir, 'b', ec);
      const rsa = pair(dir, 'rsa', ['rsa:2048']);
      assert.equal(tlsPairProblem(a), undefined);
      assert.equal(tlsPairProblem(rsa), undefined);
      // Node's own check refuses the first; it accepts the second, and every handshake would then fail.
      assert.equal(tlsPairProblem({ cert: a.cert, key: b.key }), 'the private key does not belong to the certificate');
      assert.equal(tlsPairProblem({ cert: a.cert, key: rsa.key }), 'the private key does not belong to the certificate');
      assert.ok(tlsPairProblem({ cert: Buffer.from('not a certificate'), key: a.key }));
      assert.ok(tlsPairProblem({ cert: a.cert, key: Buffer.from('') }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
