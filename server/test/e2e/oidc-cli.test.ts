import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createDatabase, type Db } from '../../src/db/database.ts';
import { SettingsService } from '../../src/settings/settings.service.ts';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';
import { imageBlobs, makeImage, writeOciLayout, type Image } from '../fixtures/image-builder.ts';
import { startOidcProvider, type OidcTestProvider } from '../fixtures/oidc-provider.ts';
import { PortalBrowser } from '../fixtures/portal-browser.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { waitUntil } from '../fixtures/wait.ts';

/**
 * What an OIDC user does to use the registry from the command line: sign in
 * at the portal through the provider, set a CLI secret, then `podman login`
 * and push/pull with skopeo under their username and that secret, in a
 * project where their OIDC group (or they themselves) are developers.
 */
const TEST_TIMEOUT = 120_000;
const DEVELOPER = 2;

describe('OIDC users on the command line with a CLI secret', () => {
  let berth: BerthProcess;
  let idp: OidcTestProvider;
  let db: Db;
  let tools: ContainerTools;

  before(async () => {
    berth = await startBerth();
    idp = await startOidcProvider({
      users: [
        { sub: 'u-olivia', preferred_username: 'olivia', email: 'olivia@example.test', groups: ['platform-team'] },
        { sub: 'u-oscar', preferred_username: 'oscar', groups: [] },
      ],
      clients: [{ clientId: 'berth', redirectUri: `${berth.url}/c/oidc/callback` }],
    });
    db = createDatabase(berth.databaseUrl, 2);
    await new SettingsService(db).update({
      auth_mode: 'oidc_auth',
      oidc_name: 'Test IdP',
      oidc_endpoint: idp.issuer,
      oidc_client_id: idp.clientId,
      oidc_client_secret: idp.clientSecret,
      oidc_scope: 'openid,profile,email,groups',
      oidc_groups_claim: 'groups',
      oidc_user_claim: 'preferred_username',
      oidc_auto_onboard: true,
    });
    // The running process hears of the change at commit (SettingsService announces it) and drops its cached settings.
    await waitUntil(async () => ((await (await fetch(`${berth.url}/api/v2.0/systeminfo`)).json()) as { auth_mode: string }).auth_mode === 'oidc_auth', 'Berth signs in through OIDC');
    const admin = new RegistryClient(berth.url);
    await admin.createProject('oidc-team');
    await admin.createProject('oidc-other');
    tools = createContainerTools();
  });
  after(async () => {
    await tools?.destroy();
    await db?.destroy();
    await idp?.stop();
    await berth?.destroy();
  });

  /** Signs in at the portal through the provider and sets a CLI secret through the session, as the profile page does. */
  async function cliSecretFor(sub: string, secret?: string): Promise<{ username: string; secret: string }> {
    const browser = new PortalBrowser(berth.url);
    assert.equal((await browser.oidcLogin(idp, sub)).status, 302);
    const me = await browser.request('GET', '/api/v2.0/users/current');
    const set = await browser.request('PUT', `/api/v2.0/users/${me.body.user_id}/cli_secret`, { json: secret === undefined ? {} : { secret } });
    assert.equal(set.status, 200, set.text);
    return { username: me.body.username, secret: secret ?? set.body.secret };
  }

  async function addMember(project: string, member: { groupName: string } | { username: string }): Promise<void> {
    const projectId = (await db.selectFrom('project').select('id').where('name', '=', project).executeTakeFirstOrThrow()).id;
    if ('groupName' in member) {
      const group = await db.selectFrom('userGroup').select('id').where('groupType', '=', 3).where('groupName', '=', member.groupName).executeTakeFirstOrThrow();
      await db.insertInto('projectMember').values({ projectId, entityType: 'g', groupId: group.id, role: DEVELOPER }).execute();
    } else {
      const user = await db.selectFrom('userAccount').select('id').where('username', '=', member.username).executeTakeFirstOrThrow();
      await db.insertInto('projectMember').values({ projectId, entityType: 'u', userId: user.id, role: DEVELOPER }).execute();
    }
  }

  function layoutOf(image: Image): string {
    const dir = tools.tempDir('layout');
    writeOciLayout(dir, imageBlobs(image), { src: image.manifest });
    return dir;
  }

  it('podman login and skopeo push/pull work with the username and CLI secret of a member through their OIDC group', { timeout: TEST_TIMEOUT }, async () => {
    const olivia = await cliSecretFor('u-olivia', 'Olivia-Cli-Secret-1');
    await addMember('oidc-team', { groupName: 'platform-team' });
    const authfile = join(tools.tempDir('login'), 'auth.json');

    const wrong = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', olivia.username, '-p', 'Not-The-Secret-1', berth.host], { check: false });
    assertRefused(wrong, REFUSAL.badCredentials, 'login with a wrong CLI secret');
    const login = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', olivia.username, '-p', olivia.secret, berth.host]);
    assert.match(login.stdout, /Login Succeeded/);

    const image = await makeImage({ layerSizes: [2048, 32 * 1024] });
    await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-authfile', authfile, `oci:${layoutOf(image)}:src`, `docker://${berth.host}/oidc-team/app:v1`]);
    const back = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, `docker://${berth.host}/oidc-team/app:v1`]);
    assert.ok(Buffer.from(back.stdout).equals(image.manifest.bytes), 'the manifest pulled back is the one pushed');
    const pulled = tools.tempDir('pulled');
    await tools.skopeo(['copy', '-q', '--src-tls-verify=false', '--src-authfile', authfile, `docker://${berth.host}/oidc-team/app:v1`, `dir:${pulled}`]);

    const elsewhere = await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-authfile', authfile, `oci:${layoutOf(image)}:src`, `docker://${berth.host}/oidc-other/app:v1`], { check: false });
    assertRefused(elsewhere, REFUSAL.denied, 'a push to a project the user is no member of');
  });

  it('a generated CLI secret works for a user who is a direct member', { timeout: TEST_TIMEOUT }, async () => {
    const oscar = await cliSecretFor('u-oscar');
    await addMember('oidc-other', { username: 'oscar' });
    const creds = `${oscar.username}:${oscar.secret}`;
    const image = await makeImage({ layerSizes: [1024] });
    await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layoutOf(image)}:src`, `docker://${berth.host}/oidc-other/tool:v1`]);
    const back = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${berth.host}/oidc-other/tool:v1`]);
    assert.ok(Buffer.from(back.stdout).equals(image.manifest.bytes));
    const denied = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${berth.host}/oidc-team/app:v1`], { check: false });
    assertRefused(denied, REFUSAL.denied, 'oscar (not in platform-team) pulling');
  });
});
