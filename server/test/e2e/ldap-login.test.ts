import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';
import { basic, harborApi, type ApiCall } from '../fixtures/harbor-api.ts';
import { imageBlobs, makeImage, readOciLayout, writeOciLayout } from '../fixtures/image-builder.ts';
import { groupDn, ldapSettingsFor, PEOPLE, startSlapd, type Slapd } from '../fixtures/slapd.ts';
import { createDatabase } from '../../src/db/database.ts';
import { ROLE_IDS } from '../../src/auth/rbac.ts';

/**
 * Directory users at the registry: a `berth serve` process configured for a
 * real OpenLDAP through the API, and podman and skopeo logging in with
 * directory credentials. alice is a developer of the project only through
 * nested groups (developers ⊂ engineering ⊂ staff, staff a member).
 */

const TEST_TIMEOUT = 120_000;
const ALICE = `alice:${PEOPLE.alice.password}`;

describe('LDAP users with podman and skopeo', () => {
  let berth: BerthProcess;
  let slapd: Slapd;
  let tools: ContainerTools;
  let api: ApiCall;

  before(async () => {
    tools = createContainerTools();
    [slapd, berth] = await Promise.all([startSlapd(), startBerth()]);
    api = harborApi(berth.url);
    assert.equal((await api('PUT', '/configurations', { body: { auth_mode: 'ldap_auth', ...ldapSettingsFor(slapd) } })).status, 200);
    assert.equal((await api('POST', '/projects', { body: { project_name: 'team', metadata: { public: 'false' } } })).status, 201);
    const group = await api('POST', '/usergroups', { body: { group_type: 1, ldap_group_dn: groupDn('staff') } });
    assert.equal(group.status, 201);
    // Members are added straight into the database until the members API exists.
    const db = createDatabase(berth.databaseUrl, 1);
    try {
      const project = await db.selectFrom('project').select('id').where('name', '=', 'team').executeTakeFirstOrThrow();
      const groupId = group.headers.get('location')!.split('/').pop()!;
      await db.insertInto('projectMember').values({ projectId: project.id, entityType: 'g', userId: null, groupId, role: ROLE_IDS.developer }).execute();
    } finally {
      await db.destroy();
    }
  });
  after(async () => {
    await berth?.destroy();
    await slapd?.stop();
    await tools?.destroy();
  });

  it('podman logs in with directory credentials and refuses a wrong password', { timeout: TEST_TIMEOUT }, async () => {
    const authfile = join(tools.tempDir('login'), 'auth.json');
    const wrong = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', 'alice', '-p', 'Not-Her-Pass-1', berth.host], { check: false });
    assertRefused(wrong, REFUSAL.badCredentials, 'login with a wrong password');
    const login = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', 'alice', '-p', PEOPLE.alice.password, berth.host]);
    assert.match(login.stdout, /Login Succeeded/);
    const me = await api('GET', '/users/current', { auth: basic('alice', PEOPLE.alice.password) });
    assert.equal(me.body.email, PEOPLE.alice.mail, 'the login onboarded her from the directory');
  });

  it('a developer through nested LDAP groups pushes and pulls with skopeo, and pulls with podman after logging in', { timeout: TEST_TIMEOUT }, async () => {
    const image = await makeImage({ layerSizes: [2048, 64 * 1024] });
    const layout = tools.tempDir('push');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    const target = `docker://${berth.host}/team/app:v1`;
    await tools.skopeo(['copy', '-q', '--format', 'oci', '--dest-tls-verify=false', '--dest-creds', ALICE, `oci:${layout}:v1`, target]);

    const back = tools.tempDir('pull');
    await tools.skopeo(['copy', '-q', '--src-tls-verify=false', '--src-creds', ALICE, target, `oci:${back}:copied`]);
    const copied = readOciLayout(back);
    assert.equal(copied.entry('copied')?.digest, image.manifest.digest);
    for (const blob of imageBlobs(image)) assert.ok(copied.blob(blob.digest).equals(blob.bytes), `${blob.digest} differs after the round trip`);

    const authfile = join(tools.tempDir('podman'), 'auth.json');
    await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', 'alice', '-p', PEOPLE.alice.password, berth.host]);
    const pull = await tools.podman(['pull', '-q', '--authfile', authfile, '--tls-verify=false', `${berth.host}/team/app:v1`]);
    assert.equal(pull.stdout.trim(), image.config.digest.slice('sha256:'.length));
  });

  it('a directory user outside the group can neither push nor pull', { timeout: TEST_TIMEOUT }, async () => {
    const dave = `dave:${PEOPLE.dave.password}`;
    const image = await makeImage({ layerSizes: [1024] });
    const layout = tools.tempDir('denied');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    const push = await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-creds', dave, `oci:${layout}:v1`, `docker://${berth.host}/team/intruder:v1`], { check: false });
    assertRefused(push, REFUSAL.denied, 'a push without the role');
    const pull = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', dave, `docker://${berth.host}/team/app:v1`], { check: false });
    assertRefused(pull, REFUSAL.denied, 'a pull without the role');
  });
});
