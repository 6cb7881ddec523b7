import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';
import { HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { imageBlobs, makeImage, writeOciLayout } from '../fixtures/image-builder.ts';

const TIMEOUT = 120_000;

/**
 * docker-style login, push and pull with real clients (skopeo, podman) as
 * each kind of caller: the registry hands out Bearer challenges and the
 * clients go through the token service on their own.
 */
describe('registry clients as users with different roles', () => {
  let berth: BerthProcess;
  let tools: ContainerTools;
  let layout: string;
  const creds = (user: string) => `${user}:${TEST_PASSWORD}`;
  const ref = (repository: string, tag = 'v1') => `docker://${berth.host}/${repository}:${tag}`;
  const push = (repository: string, credentials: string | undefined) =>
    tools.skopeo(['copy', '-q', '--dest-tls-verify=false', ...(credentials ? ['--dest-creds', credentials] : ['--dest-no-creds']), `oci:${layout}:src`, ref(repository)], { check: false });
  const pull = (repository: string, credentials: string | undefined) =>
    tools.skopeo(['copy', '-q', '--src-tls-verify=false', ...(credentials ? ['--src-creds', credentials] : ['--src-no-creds']), ref(repository), `dir:${tools.tempDir('pulled')}`], { check: false });

  before(async () => {
    tools = createContainerTools();
    berth = await startBerth();
    const harbor = new HarborApi(berth.url);
    for (const user of ['e2e-dev', 'e2e-guest', 'e2e-outsider']) await harbor.createUser(user);
    await harbor.createProject('team');
    await harbor.createProject('open', { public: true });
    await harbor.addMember('team', 'e2e-dev', 2);
    await harbor.addMember('team', 'e2e-guest', 3);
    const image = await makeImage({ layerSizes: [2048, 512] });
    layout = tools.tempDir('layout');
    writeOciLayout(layout, imageBlobs(image), { src: image.manifest });
    for (const repository of ['team/app', 'open/app']) assert.equal((await push(repository, ADMIN_CREDS)).code, 0);
  });
  after(async () => {
    await berth?.destroy();
    await tools?.destroy();
  });

  it('podman login succeeds with right credentials and fails with wrong ones', { timeout: TIMEOUT }, async () => {
    const ok = await tools.podman(['login', '--tls-verify=false', '-u', 'e2e-dev', '-p', TEST_PASSWORD, berth.host], { check: false });
    assert.equal(ok.code, 0, ok.stderr);
    const wrong = await tools.podman(['login', '--tls-verify=false', '-u', 'e2e-dev', '-p', 'Wrong-passw0rd', berth.host], { check: false });
    assertRefused(wrong, REFUSAL.badCredentials, 'login with a wrong password');
    await tools.podman(['logout', berth.host], { check: false });
  });

  it('the admin pushes and pulls anywhere', { timeout: TIMEOUT }, async () => {
    assert.equal((await push('team/by-admin', ADMIN_CREDS)).code, 0);
    assert.equal((await pull('team/by-admin', ADMIN_CREDS)).code, 0);
  });

  it('a developer pushes and pulls in their project, and podman pulls with its login', { timeout: TIMEOUT }, async () => {
    const pushed = await push('team/by-dev', creds('e2e-dev'));
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal((await pull('team/by-dev', creds('e2e-dev'))).code, 0);
    await tools.podman(['login', '--tls-verify=false', '-u', 'e2e-dev', '-p', TEST_PASSWORD, berth.host]);
    const podmanPull = await tools.podman(['pull', '-q', '--tls-verify=false', `${berth.host}/team/app:v1`], { check: false });
    assert.equal(podmanPull.code, 0, podmanPull.stderr);
    await tools.podman(['logout', berth.host]);
  });

  it('a guest pulls but cannot push', { timeout: TIMEOUT }, async () => {
    assert.equal((await pull('team/app', creds('e2e-guest'))).code, 0);
    const refused = await push('team/by-guest', creds('e2e-guest'));
    assertRefused(refused, REFUSAL.denied, 'a guest pushing');
  });

  it('an anonymous user pulls from a public project only, and pushes nowhere', { timeout: TIMEOUT }, async () => {
    const ok = await pull('open/app', undefined);
    assert.equal(ok.code, 0, ok.stderr);
    assertRefused(await pull('team/app', undefined), REFUSAL.insufficientScope, 'an anonymous pull from a private project');
    assertRefused(await push('open/anonymous', undefined), REFUSAL.insufficientScope, 'an anonymous push');
  });

  it('an outsider can neither pull from nor push to a private project', { timeout: TIMEOUT }, async () => {
    assertRefused(await pull('team/app', creds('e2e-outsider')), REFUSAL.denied, 'an outsider pulling');
    assertRefused(await push('team/by-outsider', creds('e2e-outsider')), REFUSAL.denied, 'an outsider pushing');
    assert.equal((await pull('open/app', creds('e2e-outsider'))).code, 0);
  });
});
