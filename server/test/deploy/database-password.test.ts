import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';

/**
 * The Helm chart and compose.yaml give Berth the database password as PGPASSWORD and a database.url without
 * one, so a password with any character needs no URL escaping: every connection Berth opens (its pool, the
 * start-up check, the job queue) must then authenticate with it.
 */
describe('the database password outside database.url', () => {
  let berth: BerthProcess | undefined;
  after(() => berth?.destroy());

  it('berth serve authenticates with PGPASSWORD when database.url carries no password', async () => {
    berth = await startBerth();
    assert.equal(await berth.stop(), 0);
    const url = new URL(berth.databaseUrl);
    assert.ok(url.password, 'the test database URL has a password to move');
    berth.env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = '';
    berth.env.BERTH_DATABASE_URL = url.toString();
    await berth.restart();

    const health = await fetch(`${berth.url}/api/v2.0/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'healthy');
    const auth = `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`;
    const projects = await fetch(`${berth.url}/api/v2.0/projects?name=library`, { headers: { authorization: auth } });
    assert.equal(projects.status, 200);
    assert.deepEqual(((await projects.json()) as { name: string }[]).map((p) => p.name), ['library']);
    assert.doesNotMatch(berth.output(), /password authentication failed|no password|SASL/i);
  });
});
