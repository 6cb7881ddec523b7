import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../fixtures/test-database.ts';

const LAUNCHER = new URL('../../bin/berth', import.meta.url).pathname;

function berth(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const result = spawnSync(LAUNCHER, args, {
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    ...(cwd && { cwd }),
  });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the berth command', () => {
  it('applies migrations with `berth migrate` and exits', async () => {
    const database = await createTestDatabase();
    try {
      const result = berth(['migrate'], { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn' });
      assert.equal(result.code, 0, result.output);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const tables = await client.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('repository', 'blob', 'artifact', 'signing_key')");
      await client.end();
      assert.equal(tables.rows[0].n, 4);
      assert.equal(berth(['migrate'], { BERTH_DATABASE_URL: database.url, BERTH_LOG_LEVEL: 'warn' }).code, 0, 'migrating twice is harmless');
    } finally {
      await database.drop();
    }
  });

  it('refuses to start on an invalid berth.yml, naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
    try {
      writeFileSync(join(dir, 'berth.yml'), 'http:\n  port: not-a-port\n');
      const result = berth(['serve'], {}, dir);
      assert.equal(result.code, 2);
      assert.match(result.output, /http\.port/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints its version and usage, and rejects unknown commands', () => {
    assert.match(berth(['version']).output, /^berth \d+\.\d+\.\d+/);
    assert.match(berth(['help']).output, /usage: berth/);
    const unknown = berth(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.output, /unknown command/);
  });
});
