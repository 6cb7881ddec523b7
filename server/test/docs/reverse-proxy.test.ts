import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTls, writeProxyConfig, type ProxyKind } from '../ha/proxy.ts';

/**
 * docs/reverse-proxy.md's recipes are the configurations test/ha runs (which
 * needs root); here, anywhere nginx and HAProxy are installed, each one as
 * documented is checked by the proxy itself, and the ingress-nginx
 * annotations carry the settings the recipes have.
 */
const dir = mkdtempSync(join(tmpdir(), 'berth-proxy-docs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tls = makeTls(join(dir, 'tls'), '192.0.2.10');

for (const [kind, check] of [
  ['nginx', '-t'],
  ['haproxy', '-c'],
] as [ProxyKind, string][]) {
  test(`the documented ${kind} recipe is a configuration ${kind} accepts`, () => {
    const args = writeProxyConfig(kind, join(dir, kind), tls, '192.0.2.10', ['192.0.2.11:8080', '192.0.2.12:8080']);
    const [command, ...rest] = args.filter((arg) => arg !== '-db');
    const output = execFileSync(command!, [check, ...rest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.doesNotMatch(output, /\[(ALERT|WARNING)\]/);
  });
}

test('the ingress-nginx annotations lift the body limit, turn buffering off and lengthen the timeouts', () => {
  const doc = readFileSync(new URL('../../../docs/reverse-proxy.md', import.meta.url), 'utf8');
  const annotations = new Map([...doc.matchAll(/nginx\.ingress\.kubernetes\.io\/([\w-]+): "([^"]*)"/g)].map((m) => [m[1], m[2]]));
  assert.equal(annotations.get('proxy-body-size'), '0');
  assert.equal(annotations.get('proxy-request-buffering'), 'off');
  assert.equal(annotations.get('proxy-buffering'), 'off');
  assert.equal(annotations.get('proxy-read-timeout'), '900');
  assert.equal(annotations.get('proxy-send-timeout'), '900');
  assert.equal(annotations.get('ssl-redirect'), 'true');
});
