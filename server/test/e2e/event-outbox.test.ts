import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { HarborApi } from '../fixtures/harbor-api.ts';
import { createDatabase, type Db } from '../../src/db/database.ts';

let berth: BerthProcess;
let db: Db;

before(async () => {
  berth = await startBerth();
  db = createDatabase(berth.databaseUrl, 3);
});
after(async () => {
  await db.destroy();
  await berth.destroy();
});

async function auditedCreations(project: string): Promise<number> {
  const row = await db.selectFrom('auditLog').select((eb) => eb.fn.countAll<string>().as('n')).where('eventType', '=', 'create_project').where('resource', '=', project).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

describe('the audit log of a Berth process killed between a change and its audit', () => {
  it('audits the committed change once after the restart: nothing lost, nothing twice', async () => {
    // The audit reader's cursor is held here, as another replica applying a batch would hold it: the
    // process cannot audit the change before it is killed.
    await sql`INSERT INTO event_cursor (consumer) VALUES ('audit') ON CONFLICT DO NOTHING`.execute(db);
    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holder = db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM event_cursor WHERE consumer = 'audit' FOR UPDATE`.execute(trx);
      held();
      await released;
    });
    await holding;
    try {
      await new HarborApi(berth.url).createProject('killed-before-audit');
      await berth.kill();
      const event = await db.selectFrom('event').select('type').where('resource', '=', 'killed-before-audit').execute();
      assert.deepEqual(event, [{ type: 'create_project' }], 'the change committed its event');
      assert.equal(await auditedCreations('killed-before-audit'), 0, 'not audited before the kill');
    } finally {
      release();
      await holder;
    }

    await berth.restart();
    await until(async () => (await auditedCreations('killed-before-audit')) === 1, 'the restarted process audits the change');
    // Events are applied in order: once a later change is audited, a second row for the first would be there too.
    await new HarborApi(berth.url).createProject('audited-after-restart');
    await until(async () => (await auditedCreations('audited-after-restart')) === 1, 'a later change is audited');
    assert.equal(await auditedCreations('killed-before-audit'), 1);
  });
});
