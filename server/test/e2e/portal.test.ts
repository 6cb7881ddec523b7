import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startBerth, TEST_ADMIN_PASSWORD, type BerthProcess } from '../fixtures/berth-process.ts';
import { ADMIN_CREDS, createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { basic, HarborApi, TEST_PASSWORD } from '../fixtures/harbor-api.ts';
import { imageBlobs, makeChart, makeImage, writeOciLayout, type Image } from '../fixtures/image-builder.ts';
import { RegistryClient } from '../fixtures/registry-client.ts';
import { startOidcProvider } from '../fixtures/oidc-provider.ts';
import { PortalWalk } from '../fixtures/portal-walk.ts';
import { waitUntil } from '../fixtures/wait.ts';
import { TEST_JOBS_MODULE, TEST_SLEEP } from '../fixtures/test-jobs.ts';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.ts';
import { JobService } from '../../src/jobs/jobs.service.ts';
import { JobsStore } from '../../src/jobs/jobs.store.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * The web portal as a person uses it, in headless Chromium against a real
 * `berth serve`: every step clicks and types as a person would and checks
 * what the screen then says. Screenshots of the main screens go to
 * test-output/portal/; every main screen is checked with axe-core
 * (the harness: fixtures/portal-walk.ts).
 */

describe('the web portal in a browser', () => {
  const walk = new PortalWalk();
  const step = walk.step.bind(walk);
  const shoot = walk.shoot.bind(walk);
  const checkAccessibility = walk.checkAccessibility.bind(walk);
  const choose = walk.choose.bind(walk);
  let berth: BerthProcess;
  let tools: ContainerTools;
  let harbor: HarborApi;
  let page: Page;
  let image: Image;
  let projectId: number;

  const openUserMenu = async () => {
    await page.getByRole('button', { name: /admin/ }).click();
  };

  before(async () => {
    // The portal is built (when stale) before Berth starts: Berth serves the build it finds at start.
    page = await walk.launch();
    tools = createContainerTools();
    // The test job types, for a job to watch and stop on the job service page.
    berth = await startBerth({ env: { BERTH_JOBS_MODULES: TEST_JOBS_MODULE } });
    harbor = new HarborApi(berth.url);
    await harbor.createUser('alice');
    image = await makeImage({ layerSizes: [4096, 2048], created: '2024-03-01T12:34:56Z' });
  });
  after(async () => {
    await walk.close();
    await berth?.destroy();
    await tools?.destroy();
  });

  step('shows every fresh visitor the sign-in form, never an error, however the first answers interleave', async () => {
    // A signed-out visitor's first answers race: the 401 for the current user, the sign-in screen's code and
    // the catalogue of the reader's language arrive in any order. 32 cold loads, each in a browser of its
    // own, in four languages, over a network that sometimes holds the sign-in screen's code back, four at a
    // time: the first thing every one of them shows is the sign-in form, and no error card ever appears.
    const entries = ['/', '/projects', '/projects/1/summary', '/admin/users'];
    const languages = [
      { locale: 'en-US', signIn: 'Sign in' },
      { locale: 'de-DE', signIn: 'Anmelden' },
      { locale: 'ja-JP', signIn: 'サインイン' },
      { locale: 'fr-FR', signIn: 'Se connecter' },
    ];
    const load = async (n: number) => {
      const { locale, signIn } = languages[n % languages.length]!;
      const context = await walk.newContext({ locale });
      const visitor = await context.newPage();
      try {
        if (n % 2 === 1) {
          await visitor.route('**/assets/SignInPage-*.js', async (route) => {
            await new Promise((resolve) => setTimeout(resolve, 300 + 100 * (n % 8)));
            await route.continue();
          });
        }
        const entry = entries[Math.floor(n / 2) % entries.length]!;
        await visitor.goto(`${berth.url}${entry}`);
        const first = visitor.getByRole('button', { name: signIn }).or(visitor.getByRole('alert'));
        await first.first().waitFor();
        assert.equal(await visitor.getByRole('alert').count(), 0, `load ${n} (${locale}, ${entry}) shows an error: ${await visitor.getByRole('alert').allTextContents()}`);
        const url = new URL(visitor.url());
        assert.equal(url.pathname, '/sign-in', `load ${n}`);
        assert.equal(url.searchParams.get('redirect') ?? '/', entry, `load ${n} comes back to ${entry} after signing in`);
      } catch (failure) {
        await shoot(`failed-fresh-load-${n}`, visitor).catch(() => undefined);
        throw failure;
      } finally {
        await context.close();
      }
    };
    for (let batch = 0; batch < 32; batch += 4) await Promise.all([0, 1, 2, 3].map((i) => load(batch + i)));
  }, { timeout: 420_000 });

  step('sends a visitor to sign-in, refuses a wrong password, and signs the admin in', async () => {
    await page.goto(`${berth.url}/projects`);
    await page.waitForURL(/\/sign-in\?redirect=%2Fprojects$/);
    await page.getByRole('heading', { name: 'Berth' }).waitFor();
    await checkAccessibility('sign-in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong username or password').waitFor();
    await shoot('01-sign-in');
    await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/projects$/);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('link', { name: 'library' }).waitFor();
    // The administrator who got library at the first start administers it as its member, as in Harbor.
    await page.getByRole('row', { name: /library/ }).getByText('Project administrator').waitFor();
  });

  step('sends a reader whose session ended to sign-in, and back to the page they were on, without an error', async () => {
    const { context, page: reader } = await walk.signedInBrowser(berth.url, 'admin', TEST_ADMIN_PASSWORD);
    try {
      await reader.getByRole('link', { name: 'library' }).click();
      await reader.getByRole('tab', { name: 'Members' }).click();
      await reader.getByRole('row', { name: /admin/ }).getByText('Project administrator').waitFor();
      // The session ends (expired, or signed out elsewhere): the next request is refused, whichever it is — the
      // logs screen's, opened now, or one the members screen still makes (then the tab is gone before the click).
      await context.clearCookies();
      await reader.getByRole('tab', { name: 'Logs' }).click({ timeout: 5_000 }).catch(() => undefined);
      // Back to the page the address bar showed when the refusal came.
      await reader.waitForURL(/\/sign-in\?redirect=%2Fprojects%2F\d+%2F(logs|members)$/);
      await reader.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await reader.getByRole('alert').count(), 0);
    } catch (failure) {
      await shoot('failed-session-ended', reader).catch(() => undefined);
      throw new Error(`the reader's page: ${reader.url()}`, { cause: failure });
    } finally {
      await context.close();
    }
  });

  step('creates a project from the dialog, lists it, and filters the list to public or private projects', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project name').fill('Web Shop');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('Lower-case letters and digits, optionally separated by . _ or -').first().waitFor();
    await dialog.getByLabel('Project name').fill('webshop');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Project webshop created').waitFor();
    await page.getByRole('link', { name: 'webshop' }).waitFor();
    await checkAccessibility('projects');
    await shoot('02-projects');
    // (After the accessibility check: antd leaves an unnamed listbox in the page once a select was opened.)
    // Harbor's filter of the list: only the private ones, then only the public ones.
    await choose('Show', 'Private projects');
    await page.getByRole('link', { name: 'library' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'webshop' }).waitFor();
    await choose('Show', 'Public projects');
    await page.getByRole('link', { name: 'webshop' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'library' }).waitFor();
    await choose('Show', 'All projects');
    await page.getByRole('link', { name: 'webshop' }).waitFor();
    projectId = (await harbor.call('GET', '/projects?name=webshop')).body[0].project_id;
  });

  step('gives a new project a storage limit chosen by the system administrator, shown on its summary', async () => {
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Project name').fill('limited');
    // The configured default for new projects (no limit) is where the field starts.
    await dialog.getByRole('switch', { name: 'No limit' }).click();
    await dialog.getByLabel('Limit', { exact: true }).fill('2');
    await checkAccessibility('new project with a storage limit');
    await shoot('02b-new-project-limit');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Project limited created').waitFor();
    await page.getByRole('link', { name: 'limited', exact: true }).click();
    await page.getByRole('tab', { name: 'Summary' }).waitFor();
    // Nothing stored yet: bytes in the plural the number takes, as in every language.
    await page.getByText('0 bytes of 2 GB used').waitFor();
    const limited = (await harbor.call('GET', '/projects?name=limited')).body[0];
    const quota = (await harbor.call('GET', `/quotas?reference=project&reference_id=${limited.project_id}`)).body[0];
    assert.equal(quota.hard.storage, 2_000_000_000);
    assert.equal((await harbor.call('DELETE', `/projects/${limited.project_id}`)).status, 200);

    // Anyone else creates projects with the default limit: the field is not offered to them.
    const { context, page: alice } = await walk.signedInBrowser(berth.url, 'alice');
    try {
      await alice.getByRole('button', { name: 'New project' }).click();
      const own = alice.getByRole('dialog', { name: 'New project' });
      await own.getByLabel('Project name').waitFor();
      assert.equal(await own.getByText('Storage limit').count(), 0);
    } finally {
      await context.close();
    }
    await page.goto(`${berth.url}/projects`);
    await page.getByRole('link', { name: 'webshop' }).waitFor();
  });

  step('finds an image pushed with skopeo in the project, with its tags, size and platform', async () => {
    const layout = tools.tempDir('layout');
    writeOciLayout(layout, imageBlobs(image), { src: image.manifest });
    for (const tag of ['v1', 'v2']) {
      await tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-creds', ADMIN_CREDS, `oci:${layout}:src`, `docker://${berth.host}/webshop/frontend:${tag}`]);
    }
    await page.getByRole('link', { name: 'webshop' }).click();
    await page.getByRole('heading', { name: /webshop/ }).waitFor();
    await page.getByRole('tab', { name: 'Summary' }).waitFor();
    await checkAccessibility('project summary');
    await shoot('03-project-summary');

    await page.getByRole('tab', { name: 'Repositories' }).click();
    await page.getByLabel('Search repositories by name').fill('nothing-like-it');
    await page.getByLabel('Search repositories by name').press('Enter');
    await page.getByText('No repository matches this search').waitFor();
    await page.getByLabel('Search repositories by name').fill('front');
    await page.getByLabel('Search repositories by name').press('Enter');
    await page.getByRole('link', { name: 'webshop/frontend' }).waitFor();
    await checkAccessibility('repositories');
    await shoot('04-repositories');

    await page.getByRole('link', { name: 'webshop/frontend' }).click();
    await page.getByRole('heading', { name: 'webshop/frontend' }).waitFor();
    const short = image.manifest.digest.slice(0, 'sha256:'.length + 12);
    const row = page.getByRole('row', { name: new RegExp(short) });
    await row.waitFor();
    await row.getByText('v1', { exact: true }).waitFor();
    await row.getByText('v2', { exact: true }).waitFor();
    await row.getByText('linux/amd64').waitFor();
    await row.getByRole('img', { name: 'Container image' }).waitFor();
    const size = image.manifest.size + image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);
    // Rounded as the browser rounds (Intl), not as toFixed does: 7.385 is 7.39 kB there.
    await row.getByText(`${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(size / 1000)} kB`).waitFor();
    await checkAccessibility('artifacts');
    await shoot('05-artifacts');
  });

  step('opens the artifact: digest, type, build history and the API view', async () => {
    const short = image.manifest.digest.slice(0, 'sha256:'.length + 12);
    await page.getByRole('link', { name: short }).click();
    await page.getByRole('heading', { name: `frontend@${short}` }).waitFor();
    await page.getByText(image.manifest.digest, { exact: true }).waitFor();
    await page.getByRole('cell', { name: 'Container image' }).waitFor();
    // The config's fields under their names, the creation date in the reader's words (not as stored), and the
    // commands of the clients that pull an image.
    const overview = page.getByRole('tabpanel', { name: 'Overview' });
    await overview.getByRole('row', { name: /^Architecture amd64$/ }).waitFor();
    await overview.getByRole('row', { name: /^Operating system linux$/ }).waitFor();
    await overview.getByRole('row', { name: /^Command \/bin\/true$/ }).waitFor();
    const created = overview.getByRole('row', { name: /^Created / }).locator('time');
    assert.equal(await created.getAttribute('datetime'), '2024-03-01T12:34:56Z');
    assert.match(await created.innerText(), /^Mar 1, 2024/);
    assert.doesNotMatch(await overview.innerText(), /\d{4}-\d\d-\d\dT\d\d:/, 'no date shown as stored');
    assert.match(await overview.innerText(), /No labels/);
    await overview.getByText(`docker pull ${berth.host}/webshop/frontend@${image.manifest.digest}`, { exact: true }).waitFor();
    await overview.getByText(`podman pull ${berth.host}/webshop/frontend@${image.manifest.digest}`, { exact: true }).waitFor();
    await checkAccessibility('artifact overview');
    await shoot('06-artifact');
    await page.getByRole('tab', { name: 'Build history' }).click();
    await page.getByText('berth test fixture').first().waitFor();
    await page.getByRole('tab', { name: 'API view' }).click();
    await page.getByText(`"digest": "${image.manifest.digest}"`).waitFor();
  });

  step("offers a chart's helm pull command, and an empty README tab when the chart has none", async () => {
    const charts = await harbor.createProject('charts');
    const chart = await makeChart('demo', '0.1.0', { readme: false });
    await new RegistryClient(berth.url).pushImage('charts/tools/demo', '0.1.0', chart);
    try {
      await page.goto(`${berth.url}/projects/${charts}/repositories/tools/demo/artifacts/${chart.manifest.digest}`);
      await page.getByRole('heading', { name: `tools/demo@${chart.manifest.digest.slice(0, 'sha256:'.length + 12)}` }).waitFor();
      const overview = page.getByRole('tabpanel', { name: 'Overview' });
      await overview.getByText(`helm pull oci://${berth.host}/charts/tools/demo --version 0.1.0`, { exact: true }).waitFor();
      assert.doesNotMatch(await overview.innerText(), /docker pull|podman pull/);
      // Chart.yaml's fields, translated: the name, version and app version.
      await overview.getByRole('row', { name: /^Chart version 0\.1\.0$/ }).waitFor();
      await overview.getByRole('row', { name: /^App version 1\.0\.0$/ }).waitFor();
      await checkAccessibility('chart overview');
      await shoot('06b-chart');
      await page.getByRole('tab', { name: 'Values' }).click();
      await page.getByText('replicaCount: 2').waitFor();
      await page.getByRole('tab', { name: 'README' }).click();
      await page.getByRole('tabpanel', { name: 'README' }).getByText('Not included in this artifact').waitFor();
      assert.equal(await page.getByRole('alert').count(), 0, 'a missing README is no error');
      await shoot('06c-chart-without-readme');
    } finally {
      assert.equal((await harbor.call('DELETE', '/projects/charts/repositories/tools%252Fdemo')).status, 200);
      assert.equal((await harbor.call('DELETE', `/projects/${charts}`)).status, 200);
    }
    await page.goto(`${berth.url}/projects/${projectId}/repositories/frontend/artifacts/${image.manifest.digest}`);
    await page.getByRole('tab', { name: 'Tags' }).waitFor();
  });

  step('deletes a tag after confirming, and the artifact keeps its other tag', async () => {
    await page.getByRole('tab', { name: 'Tags' }).click();
    await page.getByRole('row', { name: /v2/ }).getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Delete tag?' });
    await confirm.getByText('Tag v2 will be deleted; the artifact stays.').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Tag v2 deleted').waitFor();
    await page.getByRole('cell', { name: 'v2', exact: true }).waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'v1', exact: true }).waitFor();
    const tags = (await harbor.call('GET', `/projects/webshop/repositories/frontend/artifacts/${image.manifest.digest}/tags`)).body.map((t: { name: string }) => t.name);
    assert.deepEqual(tags, ['v1']);
  });

  step('adds a member with a role and changes the role', async () => {
    await page.goto(`${berth.url}/projects/${projectId}/members`);
    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a user as member' });
    await dialog.getByLabel('Username').fill('alice');
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByText('alice added').waitFor();
    const row = page.getByRole('row', { name: /alice/ });
    await row.getByText('Developer').waitFor();
    await checkAccessibility('members');
    await shoot('07-members');
    await row.getByLabel('Role of alice').click();
    // antd's list of choices; its role="option" twins are an invisible screen-reader copy.
    await page.locator('.ant-select-item-option').filter({ hasText: /^Guest$/ }).click();
    await page.getByText('Role of alice changed').waitFor();
    const members = (await harbor.call('GET', `/projects/${projectId}/members`)).body;
    assert.equal(members.find((m: { entity_name: string }) => m.entity_name === 'alice')?.role_id, 3);
  });

  step('adds a user group as a member, changes its role and removes it', async () => {
    const created = await harbor.call('POST', '/usergroups', { body: { group_type: 3, group_name: 'shop-devs' } });
    assert.equal(created.status, 201);
    await page.goto(`${berth.url}/projects/${projectId}/members`);
    await page.getByRole('button', { name: 'Add group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a group as member' });
    // Checked before the select opens: antd leaves an unnamed listbox of the choices in the page afterwards.
    await checkAccessibility('add a group member');
    await dialog.getByLabel('Group', { exact: true }).fill('shop');
    await page.locator('.ant-select-item-option:visible').filter({ hasText: 'shop-devs (OIDC group)' }).click();
    await dialog.getByRole('button', { name: 'Add' }).click();
    await page.getByText('shop-devs added').waitFor();
    const row = page.getByRole('row', { name: /shop-devs/ });
    await row.getByText('Group', { exact: true }).waitFor();
    await row.getByText('Developer').waitFor();
    await shoot('07b-group-member');
    await row.getByLabel('Role of shop-devs').click();
    await page.locator('.ant-select-item-option:visible').filter({ hasText: /^Maintainer$/ }).click();
    await page.getByText('Role of shop-devs changed').waitFor();
    const member = (await harbor.call('GET', `/projects/${projectId}/members?entityname=shop-devs`)).body[0];
    assert.deepEqual([member.entity_type, member.role_id], ['g', 4]);
    await row.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').filter({ hasText: 'Remove member?' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('shop-devs removed').waitFor();
    await row.waitFor({ state: 'detached' });
    assert.equal((await harbor.call('DELETE', `/usergroups/${created.headers.get('location')!.split('/').pop()}`)).status, 200);
  });

  step('creates a robot account and shows its secret exactly once', async () => {
    await page.getByRole('tab', { name: 'Robot accounts' }).click();
    await page.getByRole('button', { name: 'New robot account' }).click();
    const dialog = page.getByRole('dialog', { name: 'New robot account' });
    await dialog.getByLabel('Name', { exact: true }).fill('ci');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'Robot account created' });
    await shown.getByText('it is shown only this once').waitFor();
    // The full name: the configured prefix, the project and the name given.
    const name = (await shown.getByText(/^robot.webshop\+ci$/).textContent())!;
    const secret = (await shown.getByTestId('robot-secret').textContent())!.trim();
    assert.ok(secret.length >= 8);
    await shoot('08-robot-secret');
    // The secret works where robots work: the registry's token service.
    const token = await fetch(`${berth.url}/service/token?service=harbor-registry&scope=repository:webshop/frontend:pull`, {
      headers: { authorization: `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}` },
    });
    assert.equal(token.status, 200);
    await shown.getByRole('button', { name: 'I have saved the secret' }).click();
    await shown.waitFor({ state: 'hidden' });
    await page.getByRole('row', { name: new RegExp(name.replace(/[$+]/g, '\\$&')) }).getByText('Enabled').waitFor();
    // Closed means gone from the page, not hidden in it.
    await page.getByText(secret).waitFor({ state: 'detached' });
    await checkAccessibility('robot accounts');
    await shoot('09-robots');
  });

  step('edits a robot account, disables and enables it, and gives it new secrets that work at once', async () => {
    await page.goto(`${berth.url}/projects/${projectId}/robot-accounts`);
    const robot = (await harbor.call('GET', `/robots?q=Level%3Dproject,ProjectID%3D${projectId}`)).body.find((r: { name: string }) => r.name.endsWith('+ci'));
    const row = page.getByRole('row', { name: new RegExp(robot.name.replace(/[$+]/g, '\\$&')) });
    const token = (secret: string) =>
      fetch(`${berth.url}/service/token?service=harbor-registry&scope=repository:webshop/frontend:pull`, { headers: { authorization: basic(robot.name, secret) } }).then((r) => r.status);

    await row.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: `Edit robot account ${robot.name}` });
    await edit.getByLabel('Description').fill('builds the shop');
    await edit.getByRole('switch', { name: 'Never expires' }).click();
    await edit.getByLabel('Expires after (days)').fill('90');
    // Pull only from now on: push is taken away.
    await edit.getByRole('checkbox', { name: 'Push' }).uncheck();
    await checkAccessibility('edit robot account');
    await shoot('09b-robot-edit');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText(`Robot account ${robot.name} saved`).waitFor();
    await row.getByText('builds the shop').waitFor();
    const saved = (await harbor.call('GET', `/robots/${robot.id}`)).body;
    assert.equal(saved.duration, 90);
    assert.ok(saved.expires_at > 0);
    assert.deepEqual(saved.permissions[0].access.filter((a: { resource: string }) => a.resource === 'repository').map((a: { action: string }) => a.action), ['pull']);

    await row.getByRole('button', { name: 'Refresh secret' }).click();
    const refresh = page.getByRole('dialog', { name: `New secret for ${robot.name}` });
    await refresh.getByText('The current secret stops working at once').waitFor();
    await refresh.getByRole('button', { name: 'Refresh secret' }).click();
    const shown = page.getByRole('dialog', { name: 'New secret of the robot account' });
    const secret = (await shown.getByTestId('robot-secret').textContent())!.trim();
    assert.equal(await token(secret), 200, 'the new secret works at once');
    await shown.getByRole('button', { name: 'I have saved the secret' }).click();
    await page.getByText(secret).waitFor({ state: 'detached' });

    // A secret of one's own, under Harbor's password policy.
    await row.getByRole('button', { name: 'Refresh secret' }).click();
    await refresh.getByRole('radio', { name: 'Choose the secret' }).check();
    await refresh.getByLabel('Secret', { exact: true }).fill('weak');
    await refresh.getByLabel('Confirm the secret').fill('weak');
    await refresh.getByRole('button', { name: 'Refresh secret' }).click();
    await refresh.getByText('8 to 128 characters').first().waitFor();
    await refresh.getByLabel('Secret', { exact: true }).fill('Chosen-Secret-42');
    await refresh.getByLabel('Confirm the secret').fill('Chosen-Secret-42');
    await refresh.getByRole('button', { name: 'Refresh secret' }).click();
    await page.getByText(`Secret of ${robot.name} changed`).waitFor();
    assert.equal(await token('Chosen-Secret-42'), 200);
    assert.equal(await token(secret), 401, 'the generated secret stopped working');

    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByText(`Robot account ${robot.name} disabled`).waitFor();
    await row.getByText('Disabled', { exact: true }).waitFor();
    assert.equal((await harbor.call('GET', `/robots/${robot.id}`)).body.disable, true);
    assert.equal(await token('Chosen-Secret-42'), 401, 'a disabled robot is refused');
    await row.getByRole('button', { name: 'Enable' }).click();
    await page.getByText(`Robot account ${robot.name} enabled`).waitFor();
    await row.getByText('Enabled', { exact: true }).waitFor();
    assert.equal(await token('Chosen-Secret-42'), 200);
    // Left on the project list: the robot's row names the project too, and must not be mistaken for its row.
    await page.goto(`${berth.url}/projects`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });

  step("refuses to delete a project that still has repositories, showing the server's reason", async () => {
    await page.getByRole('link', { name: 'Projects' }).first().click();
    await page.waitForURL(/\/projects$/);
    await page.getByRole('row', { name: /webshop/ }).getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Delete project?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'hidden' });
    const alert = page.getByRole('alert').filter({ hasText: 'The project was not deleted' });
    await alert.getByText('the project contains 1 repository; delete it first').waitFor();
    await page.getByRole('link', { name: 'webshop' }).waitFor();
    await shoot('10-project-not-deleted');
  });

  step("manages the project's labels, reads its log and makes it public from its configuration", async () => {
    await page.goto(`${berth.url}/projects/${projectId}/labels`);
    await page.getByRole('tab', { name: 'Labels' }).waitFor();
    await page.getByRole('button', { name: 'New label' }).click();
    const dialog = page.getByRole('dialog', { name: 'New label' });
    await dialog.getByLabel('Label', { exact: true }).fill('release');
    await dialog.getByLabel('Description').fill('shipped to customers');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Label release created').waitFor();
    await page.getByRole('row', { name: /release/ }).getByText('shipped to customers').waitFor();
    await checkAccessibility('project labels');
    await shoot('14-project-labels');
    const labels = (await harbor.call('GET', `/labels?scope=p&project_id=${projectId}`)).body;
    assert.deepEqual(labels.map((l: { name: string }) => l.name), ['release']);

    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByRole('row').filter({ hasText: 'alice' }).first().waitFor();
    // Checked before a select is opened: antd leaves an unnamed listbox of the choices in the page afterwards.
    await checkAccessibility('project logs');
    await shoot('15-project-logs');
    await choose('Resource type', 'Member');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    // Pushes and tag deletions are gone once the filter applies; the member's addition and role change remain.
    await page.getByRole('row').filter({ hasText: 'frontend' }).first().waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'alice' }).filter({ hasText: 'Update' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'alice' }).filter({ hasText: 'Create' }).waitFor();

    await page.getByRole('tab', { name: 'Configuration' }).click();
    await page.getByText('Only system administrators change the storage limit.').waitFor();
    await page.getByRole('switch', { name: 'Public' }).click();
    await page.getByText('The project is now public').waitFor();
    assert.equal((await harbor.call('GET', `/projects/${projectId}`)).body.metadata.public, 'true');
    await checkAccessibility('project configuration');
    await shoot('16-project-configuration');
    await page.getByRole('switch', { name: 'Public' }).click();
    await page.getByText('The project is now private').waitFor();
    assert.equal((await harbor.call('GET', `/projects/${projectId}`)).body.metadata.public, 'false');
  });

  step("adds an immutability rule and a retention rule with its schedule from the project's tabs", async () => {
    await page.goto(`${berth.url}/projects/${projectId}/immutability`);
    await page.getByRole('tab', { name: 'Tag immutability' }).waitFor();
    await page.getByText('No immutability rules').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const immutable = page.getByRole('dialog', { name: 'New immutability rule' });
    await immutable.getByLabel('Tag pattern').fill('release-*');
    await immutable.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Rule added').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'release-*' });
    await row.getByText('Enabled').waitFor();
    await checkAccessibility('project immutability');
    await shoot('16a-project-immutability');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByText('Disabled').waitFor();
    const rules = (await harbor.call('GET', `/projects/${projectId}/immutabletagrules`)).body;
    assert.deepEqual(
      rules.map((r: { disabled: boolean; tag_selectors: { decoration: string; pattern: string }[]; scope_selectors: { repository: { pattern: string }[] } }) => [r.disabled, r.tag_selectors[0]!.decoration, r.tag_selectors[0]!.pattern, r.scope_selectors.repository[0]!.pattern]),
      [[true, 'matches', 'release-*', '**']],
    );

    await page.getByRole('tab', { name: 'Tag retention' }).click();
    await page.getByText('No retention rules').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const retention = page.getByRole('dialog', { name: 'New retention rule' });
    await retention.getByLabel('Tag pattern').fill('v*');
    await retention.getByLabel('Count').fill('5');
    await retention.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Rule added').last().waitFor();
    await page.getByRole('row').filter({ hasText: 'Most recently pushed: 5' }).getByText('v*').waitFor();
    await page.getByLabel('Cron expression (UTC)').fill('0 0 3 * * *');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Schedule saved').waitFor();
    await checkAccessibility('project retention');
    await shoot('16b-project-retention');
    const retentionId = (await harbor.call('GET', `/projects/${projectId}`)).body.metadata.retention_id;
    const policy = (await harbor.call('GET', `/retentions/${retentionId}`)).body;
    assert.deepEqual(policy.rules.map((r: { template: string; params: unknown; tag_selectors: { pattern: string; extras: string }[] }) => [r.template, r.params, r.tag_selectors[0]!.pattern, r.tag_selectors[0]!.extras]), [
      ['latestPushedK', { latestPushedK: 5 }, 'v*', '{"untagged":true}'],
    ]);
    assert.deepEqual(policy.trigger.settings, { cron: '0 0 3 * * *' });
    // A schedule Harbor would not run is refused, in the page.
    await page.getByLabel('Cron expression (UTC)').fill('0 0 * * *');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByRole('alert').getByText(/invalid cron string/).waitFor();
    assert.deepEqual((await harbor.call('GET', `/retentions/${retentionId}`)).body.trigger.settings, { cron: '0 0 3 * * *' });
  });

  step('lets the system administrator create a user, make them admin, reset their password and delete them', async () => {
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('heading', { name: 'Administration' }).waitFor();
    await page.getByRole('tab', { name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog', { name: 'New user' });
    await dialog.getByLabel('Username').fill('bob');
    await dialog.getByLabel('Email').fill('bob@example.com');
    await dialog.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
    await dialog.getByLabel('Confirm the password').fill('Different-1');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('The two new passwords differ').waitFor();
    await dialog.getByLabel('Confirm the password').fill(TEST_PASSWORD);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('User bob created').waitFor();

    await page.getByLabel('Search users by name').fill('bo');
    await page.getByLabel('Search users by name').press('Enter');
    const row = page.getByRole('row', { name: /bob@example\.com/ });
    await row.getByText('User', { exact: true }).waitFor();
    await page.getByRole('row', { name: /alice/ }).waitFor({ state: 'detached' });
    await checkAccessibility('users');
    await shoot('17-users');

    await row.getByRole('button', { name: 'Make administrator' }).click();
    await page.getByText('bob is now a system administrator').waitFor();
    await row.getByText('System administrator').waitFor();
    const bob = (await harbor.call('GET', '/users?q=username%3Dbob')).body[0];
    assert.equal(bob.sysadmin_flag, true);
    await row.getByRole('button', { name: 'Revoke administrator' }).click();
    await page.getByText('bob is no longer a system administrator').waitFor();

    await row.getByRole('button', { name: 'Reset password' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset the password of bob' });
    await reset.getByLabel('New password', { exact: true }).fill('An0ther-secret');
    await reset.getByLabel('Confirm the new password').fill('An0ther-secret');
    await reset.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Password of bob reset').waitFor();
    // The new password is the one that works now.
    assert.equal((await harbor.call('GET', '/users/current', { auth: basic('bob', 'An0ther-secret') })).body.username, 'bob');

    await row.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Delete user?' });
    await confirm.getByText('User bob will be deleted and can no longer sign in.').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('User bob deleted').waitFor();
    await page.getByText('No user matches this search').waitFor();
    assert.equal((await harbor.call('GET', `/users/${bob.user_id}`)).status, 404);
  });

  step('filters the audit log by resource type, operation and user', async () => {
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.getByRole('row').filter({ hasText: 'bob' }).first().waitFor();
    await checkAccessibility('audit log');
    await choose('Resource type', 'User');
    await choose('Operation', 'Delete');
    // The input: the resource type's choices include an option labelled User too.
    const userFilter = page.locator('input').and(page.getByLabel('User', { exact: true }));
    await userFilter.fill('adm');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    // Once the filter applies, bob's creation and changes are gone and his deletion remains.
    await page.getByRole('row').filter({ hasText: 'Create' }).first().waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'bob' }).getByText('Delete', { exact: true }).waitFor();
    await shoot('18-audit-log');
    await userFilter.fill('nobody-like-this');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('No event matches these filters').waitFor();
  });

  step('filters the audit log by a time range', async () => {
    await page.goto(`${berth.url}/admin/audit-log`);
    await page.getByRole('row').filter({ hasText: 'bob' }).first().waitFor();
    // Checked before the picker opens: its calendar is antd's own, with antd's contrast.
    await checkAccessibility('audit log with a time range');
    // Whole days: a range long past has nothing, today has bob's deletion.
    await page.getByPlaceholder('Start date').fill('2000-01-01');
    await page.getByPlaceholder('End date').fill('2000-01-31');
    await page.getByPlaceholder('End date').press('Enter');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('No event matches these filters').waitFor();
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    await page.getByPlaceholder('Start date').fill(day);
    await page.getByPlaceholder('End date').fill(day);
    await page.getByPlaceholder('End date').press('Enter');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'bob' }).getByText('Delete', { exact: true }).waitFor();
    await shoot('18b-audit-log-period');
  });

  step('changes the configuration, tests an LDAP server that is not there, and never shows secrets', async () => {
    await page.getByRole('tab', { name: 'Configuration' }).click();
    await page.getByRole('radio', { name: 'Local database' }).waitFor();
    await page.getByRole('switch', { name: 'Allow self-registration' }).click();
    await page.getByLabel('Session timeout (minutes)').fill('90');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Configuration saved').waitFor();
    const saved = (await harbor.call('GET', '/configurations')).body;
    assert.equal(saved.self_registration.value, true);
    assert.equal(saved.session_timeout.value, 90);
    assert.equal(saved.auth_mode.value, 'db_auth');
    await checkAccessibility('configuration');
    await shoot('19-configuration');

    await page.getByRole('radio', { name: 'LDAP directory' }).click();
    await page.getByLabel('LDAP server URL').fill('ldap://127.0.0.1:9');
    await page.getByLabel('Base DN of users').fill('dc=example,dc=com');
    await page.getByLabel('Search password').fill('s3cret-for-ldap');
    await page.getByRole('button', { name: 'Test LDAP connection' }).click();
    // The server's own reason, from a real connection attempt to the address typed (not the saved settings).
    await page.getByRole('alert').filter({ hasText: 'Connection failed' }).getByText('cannot reach ldap://127.0.0.1:9').waitFor();
    await checkAccessibility('LDAP configuration');
    await shoot('20-configuration-ldap');
    // Nothing was saved by the test, and the secret typed is not in what the server shows.
    await page.getByRole('button', { name: 'Discard changes' }).click();
    await page.getByLabel('LDAP server URL').waitFor({ state: 'detached' });
    const after = (await harbor.call('GET', '/configurations'));
    assert.equal(after.body.auth_mode.value, 'db_auth');
    assert.ok(!after.text.includes('s3cret-for-ldap'));
  });

  step('edits the system settings: quotas, robot accounts, pull statistics and audited event types', async () => {
    await page.goto(`${berth.url}/admin/configuration`);
    const system = page.locator('.ant-card').filter({ has: page.getByText('System settings', { exact: true }) });
    await system.getByRole('switch', { name: 'Enforce project quotas' }).click();
    await system.getByRole('switch', { name: 'No limit' }).click();
    await system.getByLabel('Limit', { exact: true }).fill('20');
    await system.getByLabel('Robot account lifetime (days)').fill('60');
    await system.getByRole('switch', { name: 'Do not count pulls' }).click();
    await system.getByRole('switch', { name: 'Repository read-only' }).click();
    await system.getByLabel('Event types left out of the audit log').click();
    await page.locator('.ant-select-item-option:visible').filter({ hasText: /^pull_artifact$/ }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Configuration saved').waitFor();
    const saved = (await harbor.call('GET', '/configurations')).body;
    assert.equal(saved.quota_per_project_enable.value, false);
    assert.equal(saved.storage_per_project.value, 20_000_000_000);
    assert.equal(saved.robot_token_duration.value, 60);
    assert.equal(saved.pull_count_update_disable.value, true);
    assert.equal(saved.disabled_audit_log_event_types.value, 'pull_artifact');
    assert.equal(saved.read_only.value, true);
    // As saved after a reload, and back to the defaults for the rest of the walk.
    await page.reload();
    await page.getByLabel('Robot account lifetime (days)').and(page.locator('input')).waitFor();
    assert.equal(await page.getByLabel('Robot account lifetime (days)').inputValue(), '60');
    await page.locator('.ant-select-selection-item').filter({ hasText: 'pull_artifact' }).waitFor();
    assert.equal(await page.getByRole('switch', { name: 'Repository read-only' }).getAttribute('aria-checked'), 'true');
    await checkAccessibility('system settings');
    await shoot('20b-configuration-system');
    const restored = await harbor.call('PUT', '/configurations', {
      body: { quota_per_project_enable: true, storage_per_project: -1, robot_token_duration: 30, pull_count_update_disable: false, disabled_audit_log_event_types: '', read_only: false },
    });
    assert.equal(restored.status, 200);
  });

  step('manages user groups, system robot accounts, global labels and project quotas', async () => {
    await page.getByRole('tab', { name: 'Groups' }).click();
    await page.getByRole('button', { name: 'New group' }).click();
    const dialog = page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('devops');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Group devops created').waitFor();
    await page.getByRole('row', { name: /devops/ }).getByText('OIDC group').waitFor();
    await checkAccessibility('groups');
    await shoot('21-groups');
    await page.getByRole('row', { name: /devops/ }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').filter({ hasText: 'Delete group?' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Group devops deleted').waitFor();
    assert.deepEqual((await harbor.call('GET', '/usergroups')).body, []);

    await page.getByRole('tab', { name: 'Robot accounts' }).click();
    await page.getByRole('button', { name: 'New robot account' }).click();
    const robotDialog = page.getByRole('dialog', { name: 'New robot account' });
    await robotDialog.getByText('Permissions in every project').waitFor();
    await robotDialog.getByLabel('Name', { exact: true }).fill('mirror');
    await robotDialog.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'Robot account created' });
    const name = (await shown.getByText(/^robot.mirror$/).textContent())!;
    const secret = (await shown.getByTestId('robot-secret').textContent())!.trim();
    // A system robot with project permissions in every project may pull from any of them.
    const token = await fetch(`${berth.url}/service/token?service=harbor-registry&scope=repository:webshop/frontend:pull`, { headers: { authorization: basic(name, secret) } });
    assert.equal(token.status, 200);
    await shown.getByRole('button', { name: 'I have saved the secret' }).click();
    await page.getByRole('row', { name: new RegExp(name.replace(/[$+]/g, '\\$&')) }).getByText('All projects').waitFor();
    await checkAccessibility('system robot accounts');
    await shoot('22-system-robots');

    await page.getByRole('tab', { name: 'Labels' }).click();
    await page.getByRole('button', { name: 'New label' }).click();
    const labelDialog = page.getByRole('dialog', { name: 'New label' });
    await labelDialog.getByLabel('Label', { exact: true }).fill('deprecated');
    await labelDialog.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Label deprecated created').waitFor();
    // Global labels only: the project's own label is not among them.
    await page.getByRole('row', { name: /deprecated/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /release/ }).count(), 0);
    await checkAccessibility('global labels');
    assert.deepEqual((await harbor.call('GET', '/labels?scope=g')).body.map((l: { name: string }) => l.name), ['deprecated']);

    await page.getByRole('tab', { name: 'Project quotas' }).click();
    await page.getByRole('row', { name: /webshop/ }).getByRole('button', { name: 'Change limit' }).click();
    const limit = page.getByRole('dialog', { name: 'Storage limit of webshop' });
    await limit.getByRole('switch', { name: 'No limit' }).click();
    await limit.getByLabel('Limit', { exact: true }).fill('5');
    await limit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Storage limit of webshop saved').waitFor();
    await page.getByRole('row', { name: /webshop/ }).getByText(/of 5 GB used/).waitFor();
    const quota = (await harbor.call('GET', `/quotas?reference=project&reference_id=${projectId}`)).body[0];
    assert.equal(quota.hard.storage, 5_000_000_000);
    await checkAccessibility('project quotas');
    await shoot('23-quotas');
  });

  step('shows the job service: queues paused and resumed, a running job with its log, stopped from the page, and the schedules', async () => {
    // This process only enqueues (no workers); the server runs the job.
    const db = createDatabase(berth.databaseUrl, 2);
    const jobs = new JobService({ db, store: new JobsStore(), log: createLogger('warn'), databaseUrl: berth.databaseUrl, config: { workers: 0, heartbeatMs: 10_000 } });
    jobs.register(TEST_SLEEP);
    await jobs.start();
    try {
      await page.getByRole('tab', { name: 'Job service' }).click();
      const queue = page.getByRole('region', { name: 'Queues' }).getByRole('row', { name: /TEST_SLEEP/ });
      await queue.getByText('Active').waitFor();
      await queue.getByRole('button', { name: 'Pause' }).click();
      await queue.getByText('Paused').waitFor();
      assert.equal((await harbor.call('GET', '/jobservice/queues')).body.find((q: { job_type: string }) => q.job_type === 'TEST_SLEEP').paused, true);
      await queue.getByRole('button', { name: 'Resume' }).click();
      await queue.getByText('Active').waitFor();

      const { taskId } = await jobs.enqueue('TEST_SLEEP', { ms: 120_000 });
      const running = page.getByRole('region', { name: 'Running jobs' }).getByRole('row', { name: new RegExp(`TEST_SLEEP ${taskId}\\b`) });
      await running.getByText(/ms left/).waitFor();
      await running.getByRole('button', { name: 'Log' }).click();
      const log = page.getByRole('dialog', { name: `Log of job ${taskId}` });
      await log.getByText(/\[INFO\] sleeping 120000 ms/).waitFor();
      await checkAccessibility('job log');
      await log.getByRole('button', { name: 'Close' }).click();
      await checkAccessibility('job service');
      await shoot('24-job-service');
      await running.getByRole('button', { name: 'Stop' }).click();
      await page.getByRole('dialog').filter({ hasText: `Stop job ${taskId}?` }).getByRole('button', { name: 'Stop' }).click();
      await page.getByText('No job is running').waitFor();
      assert.equal((await jobs.task(taskId)).status, 'Stopped');

      await page.getByRole('region', { name: 'Schedules' }).getByRole('row', { name: /PURGE_UPLOAD/ }).getByText('0 0 0 * * *').waitFor();
      await page.getByRole('button', { name: 'Pause all schedules' }).click();
      await page.getByText('All schedules are paused').waitFor();
      assert.deepEqual((await harbor.call('GET', '/schedules/all/paused')).body, { paused: true });
      await page.getByRole('button', { name: 'Resume all schedules' }).click();
      await page.getByText('Schedules are running').waitFor();
    } finally {
      await jobs.stop();
      await db.destroy();
    }
  });

  step("marks a tag an immutability rule holds in the repository and artifact, and shows the server's refusal when it is deleted", async () => {
    await page.goto(`${berth.url}/projects/${projectId}/immutability`);
    await page.getByRole('button', { name: 'Add rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New immutability rule' });
    await dialog.getByLabel('Tag pattern').fill('v1');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'v1' }).getByText('Enabled').waitFor();
    try {
      await page.goto(`${berth.url}/projects/${projectId}/repositories/frontend`);
      const row = page.getByRole('row', { name: new RegExp(image.manifest.digest.slice(0, 'sha256:'.length + 12)) });
      await row.getByRole('img', { name: 'Immutable' }).waitFor();
      await page.goto(`${berth.url}/projects/${projectId}/repositories/frontend/artifacts/${image.manifest.digest}`);
      await page.getByRole('tab', { name: 'Tags' }).click();
      const tag = page.getByRole('row', { name: /^v1 Immutable/ });
      await tag.waitFor();
      await checkAccessibility('immutable tag');
      await shoot('24b-immutable-tag');
      await tag.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').filter({ hasText: 'Delete tag?' }).getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('alert').getByText(/^tag v1 of webshop\/frontend is immutable \(immutable tag rule \d+\): it cannot be deleted$/).waitFor();
      await tag.waitFor();
      const tags = (await harbor.call('GET', `/projects/webshop/repositories/frontend/artifacts/${image.manifest.digest}/tags`)).body.map((t: { name: string }) => t.name);
      assert.deepEqual(tags, ['v1']);
    } finally {
      // Later steps copy and delete this repository's artifact.
      const rules = (await harbor.call('GET', `/projects/${projectId}/immutabletagrules`)).body as { id: number; tag_selectors: { pattern: string }[] }[];
      for (const rule of rules.filter((r) => r.tag_selectors[0]!.pattern === 'v1')) {
        assert.equal((await harbor.call('DELETE', `/projects/${projectId}/immutabletagrules/${rule.id}`)).status, 200);
      }
    }
  });

  step('cleans up with garbage collection from the page: a dry run says what would go, GC now frees it, a daily schedule stays after a reload', async () => {
    await harbor.createProject('cleanup');
    const registry = new RegistryClient(berth.url);
    const gone = await makeImage({ layerSizes: [3000], created: '2024-05-01T00:00:00Z' });
    await registry.pushImage('cleanup/app', 'old', gone);
    assert.equal((await registry.request('DELETE', `/v2/cleanup/app/manifests/${gone.manifest.digest}`)).status, 202);
    const layer = gone.layers[0]!.digest;

    await page.goto(`${berth.url}/admin/job-service`);
    await page.getByRole('tab', { name: 'Clean up' }).click();
    const gc = page.getByRole('tabpanel', { name: 'Garbage collection' });
    await gc.getByLabel('Time window (hours)').fill('0');
    const history = gc.getByRole('region', { name: 'History' });
    const runRow = (id: number) => history.getByRole('row').filter({ has: page.getByRole('cell', { name: String(id), exact: true }) });
    const logOf = async (id: number, line: RegExp) => {
      await runRow(id).getByRole('button', { name: 'Log' }).click();
      const dialog = page.getByRole('dialog', { name: `Log of run ${id}` });
      await dialog.getByText(line).waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
    };

    await gc.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText('Run started').first().waitFor();
    const dryId = (await harbor.call('GET', '/system/gc?page_size=1')).body[0].id as number;
    await runRow(dryId).getByText('Succeeded').waitFor();
    await runRow(dryId).getByRole('cell', { name: 'Yes', exact: true }).first().waitFor();
    await logOf(dryId, new RegExp(`would delete blob ${layer} \\(${gone.layers[0]!.size} bytes\\)`));
    assert.equal((await registry.request('HEAD', `/v2/cleanup/app/blobs/${layer}`)).status, 200, 'a dry run deletes nothing');

    await gc.getByRole('button', { name: 'Run now' }).click();
    await waitUntil(async () => (await harbor.call('GET', '/system/gc?page_size=1')).body[0].id !== dryId, 'the GC run is listed');
    const runId = (await harbor.call('GET', '/system/gc?page_size=1')).body[0].id as number;
    await runRow(runId).getByText('Succeeded').waitFor();
    await logOf(runId, new RegExp(`deleted blob ${layer}`));
    await logOf(runId, /done: .* [\d.]+ KiB freed/);
    assert.equal((await registry.request('HEAD', `/v2/cleanup/app/blobs/${layer}`)).status, 404);
    await checkAccessibility('garbage collection');
    await shoot('25-garbage-collection');

    await gc.getByLabel('Schedule', { exact: true }).click();
    await page.locator('.ant-select-item-option:visible').filter({ hasText: /^Daily$/ }).click();
    await gc.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Schedule saved').waitFor();
    await page.reload();
    await page.getByRole('tabpanel', { name: 'Garbage collection' }).getByText('Next run:').waitFor();
    await page.getByRole('tabpanel', { name: 'Garbage collection' }).getByText('Daily', { exact: true }).waitFor();
    const saved = (await harbor.call('GET', '/system/gc/schedule')).body;
    assert.deepEqual([saved.schedule.type, saved.schedule.cron, JSON.parse(saved.job_parameters).time_window], ['Daily', '0 0 0 * * *', 0]);
  });

  step('rotates the audit log from the page: a dry run counts the old records of the chosen type, the purge deletes as many', async () => {
    // Records two days old of one type (the portal walk's own are minutes old); only the audit listener writes new ones.
    const db = createDatabase(berth.databaseUrl, 1);
    const oldPulls = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE event_type = 'pull_artifact' AND op_time < now() - interval '24 hours'`.execute(db)).rows[0]!.n);
    try {
      await sql`
        INSERT INTO audit_log (event_type, resource_type, resource, username, operation, op_time)
        SELECT 'pull_artifact', 'artifact', 'cleanup/app:' || i, 'admin', 'pull', now() - interval '48 hours' FROM generate_series(1, 25) AS i`.execute(db);
      assert.equal(await oldPulls(), 25);
      await page.getByRole('tab', { name: 'Log rotation' }).click();
      const rotation = page.getByRole('tabpanel', { name: 'Log rotation' });
      await rotation.getByLabel('Keep records for (hours)').fill('24');
      await rotation.getByLabel('Event types to purge').click();
      await page.locator('.ant-select-item-option:visible').filter({ hasText: /^pull_artifact$/ }).click();
      await rotation.getByLabel('Event types to purge').press('Escape');
      const history = rotation.getByRole('region', { name: 'History' });
      const runRow = (id: number) => history.getByRole('row').filter({ has: page.getByRole('cell', { name: String(id), exact: true }) });
      const latest = async () => (await harbor.call('GET', '/system/purgeaudit?page_size=1')).body[0]?.id as number | undefined;

      await rotation.getByRole('button', { name: 'Dry run' }).click();
      await waitUntil(async () => (await latest()) !== undefined, 'the dry run is listed');
      const dryId = (await latest())!;
      await runRow(dryId).getByText('Succeeded').waitFor();
      await runRow(dryId).getByRole('button', { name: 'Log' }).click();
      await page.getByRole('dialog', { name: `Log of run ${dryId}` }).getByText(/would delete 25 audit log rows older than/).waitFor();
      await page.getByRole('dialog', { name: `Log of run ${dryId}` }).getByRole('button', { name: 'Close' }).click();

      await rotation.getByRole('button', { name: 'Run now' }).click();
      await waitUntil(async () => (await latest()) !== dryId, 'the purge is listed');
      const runId = (await latest())!;
      await runRow(runId).getByText('Succeeded').waitFor();
      await runRow(runId).getByText('pull_artifact').waitFor();
      await runRow(runId).getByRole('button', { name: 'Log' }).click();
      await page.getByRole('dialog', { name: `Log of run ${runId}` }).getByText(/\] deleted 25 audit log rows older than/).waitFor();
      await checkAccessibility('log rotation');
      await shoot('26-log-rotation');
      await page.getByRole('dialog', { name: `Log of run ${runId}` }).getByRole('button', { name: 'Close' }).click();
      assert.equal(await oldPulls(), 0, 'the old pull records are gone');
    } finally {
      await db.destroy();
    }
  });

  step("runs tag retention from the project's tab: a dry run with a task per repository and its log, then a real run deletes what it said", async () => {
    const client = new RegistryClient(berth.url);
    await client.createProject('keeper');
    const keeperId = (await harbor.call('GET', '/projects?name=keeper')).body[0].project_id;
    const digests: Record<string, string> = {};
    for (const [repository, tag] of [['keeper/app', 'old'], ['keeper/app', 'new'], ['keeper/tools', 'only']] as const) {
      const built = await makeImage({ layerSizes: [512], created: `${repository}:${tag}` });
      await client.pushImage(repository, tag, built);
      digests[tag] = built.manifest.digest;
    }
    await page.goto(`${berth.url}/projects/${keeperId}/tag-retention`);
    await page.getByText('No retention rules').waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByRole('dialog', { name: 'New retention rule' });
    await rule.getByLabel('Count').fill('1');
    await rule.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('row').filter({ hasText: 'Most recently pushed: 1' }).waitFor();
    const retentionId = (await harbor.call('GET', `/projects/${keeperId}`)).body.metadata.retention_id;
    const runs = page.getByRole('region', { name: 'Runs' });
    const runRow = async (dryRun: boolean) => {
      let id = 0;
      await waitUntil(async () => {
        id = ((await harbor.call('GET', `/retentions/${retentionId}/executions`)).body as { id: number; dry_run: boolean }[]).find((run) => run.dry_run === dryRun)?.id ?? 0;
        return id > 0;
      }, 'the run is listed');
      return runs.getByRole('row').filter({ has: page.getByRole('cell', { name: String(id), exact: true }) });
    };

    await runs.getByRole('button', { name: 'Dry run' }).click();
    const dry = await runRow(true);
    await dry.getByText('Success').waitFor();
    await dry.getByText('Yes').waitFor();
    await dry.getByRole('button', { name: 'Expand row' }).click();
    // A task per repository, with how many of its artifacts stay.
    const app = runs.getByRole('row', { name: /^app .*Success 1 of 2 / });
    await app.waitFor();
    await runs.getByRole('row', { name: /^tools .*Success 1 of 1 / }).waitFor();
    await app.getByRole('button', { name: 'Log' }).click();
    const log = page.getByRole('dialog', { name: 'Log of app' });
    await log.getByText(/\| DEL +\|/).waitFor();
    const table = (await log.locator('pre').textContent()) ?? '';
    const fate = (action: string) => table.split('\n').filter((line) => line.endsWith(`| ${action.padEnd(9)} |`)).map((line) => line.split('|')[1]!.trim());
    const [deleted] = fate('DEL');
    assert.deepEqual([fate('DEL').length, fate('RETAIN').length], [1, 1]);
    assert.ok(deleted === digests.old || deleted === digests.new, deleted);
    const kept = deleted === digests.old ? digests.new! : digests.old!;
    assert.deepEqual(fate('RETAIN'), [kept]);
    await checkAccessibility('retention run log');
    await log.getByRole('button', { name: 'Close' }).click();
    const status = async (digest: string) => (await client.request('HEAD', `/v2/keeper/app/manifests/${digest}`)).status;
    assert.equal(await status(deleted!), 200, 'the dry run deleted nothing');

    await runs.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('dialog').filter({ hasText: 'Run the policy now?' }).getByRole('button', { name: 'Run now' }).click();
    const real = await runRow(false);
    await real.getByText('Success').waitFor();
    await real.getByText('No', { exact: true }).waitFor();
    await checkAccessibility('retention runs');
    await shoot('24c-retention-runs');
    assert.equal(await status(deleted!), 404, 'the real run deleted what the dry run said');
    assert.equal(await status(kept), 200);
    assert.equal((await client.request('HEAD', `/v2/keeper/tools/manifests/only`)).status, 200);
  });

  step('finds projects and repositories from the search box in the header', async () => {
    await page.getByLabel('Search projects and repositories').fill('front');
    await page.getByLabel('Search projects and repositories').press('Enter');
    await page.getByRole('heading', { name: 'Search results for “front”' }).waitFor();
    await page.getByRole('heading', { name: 'Projects (0)' }).waitFor();
    await page.getByRole('heading', { name: 'Repositories (1)' }).waitFor();
    await checkAccessibility('search');
    await shoot('24-search');
    await page.getByRole('link', { name: 'webshop/frontend' }).click();
    await page.getByRole('heading', { name: 'webshop/frontend' }).waitFor();
  });

  step("opens the API explorer, which shows Berth's own API document and runs a request as the signed-in user", async () => {
    await openUserMenu();
    await page.getByRole('menuitem', { name: 'API Explorer' }).click();
    await page.waitForURL(/\/devcenter-api-2\.0$/);
    await page.getByRole('heading', { name: /Berth API/ }).waitFor();
    const listProjects = page.locator('#operations-projects-get_projects');
    await listProjects.locator('.opblock-summary').click();
    await listProjects.getByRole('button', { name: 'Try it out' }).click();
    await listProjects.getByRole('button', { name: 'Execute' }).click();
    await listProjects.locator('.live-responses-table .response-col_status').getByText('200').waitFor();
    await listProjects.locator('.live-responses-table').getByText('"name": "library"').first().waitFor();
    await shoot('24b-api-explorer');
  });

  step('lays the main screens out at 800, 1280 and 1920 pixels wide, in English and in German', async () => {
    const project = await harbor.createProject('layout');
    const pushed = await makeImage({ layerSizes: [512], created: '2024-03-01T12:34:56Z' });
    await new RegistryClient(berth.url).pushImage('layout/tools/frontend', 'v1.2.3', pushed);
    const short = pushed.manifest.digest.slice(0, 'sha256:'.length + 12);
    const paths: Record<string, string> = {
      projects: '/projects',
      summary: `/projects/${project}/summary`,
      repositories: `/projects/${project}/repositories`,
      artifacts: `/projects/${project}/repositories/tools/frontend`,
      artifact: `/projects/${project}/repositories/tools/frontend/artifacts/${pushed.manifest.digest}`,
      members: `/projects/${project}/members`,
      'project-configuration': `/projects/${project}/configuration`,
      configuration: '/admin/configuration',
    };
    const all = Object.keys(paths);
    const layouts = [
      { locale: 'en-US', width: 800, screens: all },
      { locale: 'en-US', width: 1280, screens: ['projects', 'artifacts', 'artifact', 'configuration'] },
      { locale: 'en-US', width: 1920, screens: ['artifacts', 'artifact', 'configuration'] },
      { locale: 'de-DE', width: 800, screens: ['projects', 'artifacts', 'artifact', 'configuration'] },
    ];
    try {
      for (const { locale, width, screens } of layouts) {
        const context = await walk.newContext({ locale, viewport: { width, height: 900 } });
        try {
          assert.equal((await context.request.post(`${berth.url}/c/login`, { form: { principal: 'admin', password: TEST_ADMIN_PASSWORD } })).status(), 200);
          const browser = await context.newPage();
          const where = (screen: string) => `${screen} at ${width} px in ${locale}`;
          for (const screen of screens) {
            await browser.goto(`${berth.url}${paths[screen]}`);
            await browser.waitForLoadState('networkidle');
            await browser.locator('main .ant-spin-spinning').first().waitFor({ state: 'detached' });
            await browser.locator('main h2').first().waitFor();
            if (screen === 'artifacts') await browser.getByRole('row', { name: new RegExp(short) }).waitFor();
            await shoot(`layout-${width}-${locale}-${screen}`, browser);
            // The header's search field shows its whole placeholder, in every language.
            // (Expressions as strings: they run in the page, whose globals this Node-typed file does not declare.)
            const fits = await browser.evaluate(`(() => {
              const input = document.querySelector('[role=search] input');
              const style = getComputedStyle(input);
              const context = document.createElement('canvas').getContext('2d');
              context.font = style.font;
              return context.measureText(input.placeholder).width <= input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            })()`);
            assert.equal(fits, true, `the search placeholder fits, ${where(screen)}`);
            // …and leaves the navigation its room: no entry folded away behind "…".
            const administration = browser.getByRole('navigation').getByRole('link', { name: locale === 'de-DE' ? 'Verwaltung' : 'Administration' });
            assert.equal(await administration.isVisible(), true, `the navigation shows Administration, ${where(screen)}`);
            if (screen === 'artifacts') {
              const row = browser.getByRole('row', { name: new RegExp(short) });
              // The digest on one line, and the last column (the actions) inside the window, not cut off.
              const digest = (await row.getByRole('link', { name: short }).boundingBox())!;
              assert.ok(digest.height < 32, `the digest takes one line (${digest.height} px high), ${where(screen)}`);
              const action = (await row.getByRole('button', { name: `Copy ${short}` }).or(row.getByRole('button', { name: `${short} kopieren` })).boundingBox())!;
              assert.ok(action.x + action.width <= width, `the actions column is in view (${action.x + action.width} px of ${width}), ${where(screen)}`);
            }
            if (screen === 'configuration' && width >= 1280) {
              // The form fills the page: its cards reach across, not a column down half of it.
              await browser.locator('main .ant-card').first().waitFor();
              const right = (await browser.evaluate("Math.max(...[...document.querySelectorAll('main .ant-card')].map((card) => card.getBoundingClientRect().right))")) as number;
              assert.ok(right > width * 0.9, `the configuration reaches across (to ${right} px of ${width}), ${where(screen)}`);
            }
          }
        } finally {
          await context.close();
        }
      }
    } finally {
      assert.equal((await harbor.call('DELETE', '/projects/layout/repositories/tools%252Ffrontend')).status, 200);
      assert.equal((await harbor.call('DELETE', `/projects/${project}`)).status, 200);
    }
  }, { timeout: 300_000 });

  // Labels, copies and repository management. The labels are those made above: the project's "release"
  // and the global "deprecated". The copies go to the library project, which the steps leave as they found it.
  step('attaches labels to an artifact, filters the artifacts by them and takes them off again', async () => {
    const short = image.manifest.digest.slice(0, 'sha256:'.length + 12);
    const labelsOf = async () => (await harbor.call('GET', `/projects/webshop/repositories/frontend/artifacts/${image.manifest.digest}?with_label=true`)).body.labels?.map((l: { name: string }) => l.name) ?? [];
    await page.goto(`${berth.url}/projects/${projectId}/repositories/frontend`);
    const row = page.getByRole('row', { name: new RegExp(short) });
    await row.getByRole('button', { name: `Add a label to ${short}` }).waitFor();
    await checkAccessibility('artifacts with labels');
    await row.getByRole('button', { name: `Add a label to ${short}` }).click();
    // The project's labels and the global ones, each under its heading.
    await page.getByRole('menuitem', { name: 'deprecated' }).waitFor();
    await page.getByRole('menuitem', { name: 'release' }).click();
    await page.getByText('Label release added').waitFor();
    await row.getByRole('button', { name: 'Remove label release' }).waitFor();
    assert.deepEqual(await labelsOf(), ['release']);
    await shoot('26-artifact-labels');

    // All the chosen labels must be on an artifact: release and deprecated together match nothing.
    await choose('Filter by labels', 'deprecated');
    await page.getByText('No artifact matches the chosen labels and search').waitFor();
    await page.locator('.ant-select-item-option:visible').filter({ hasText: /^release$/ }).click();
    await page.getByText('No artifact matches the chosen labels and search').waitFor();
    await page.locator('.ant-select-item-option:visible').filter({ hasText: /^deprecated$/ }).click();
    await page.keyboard.press('Escape');
    await row.waitFor();
    await shoot('27-artifacts-filtered-by-label');

    await row.getByRole('link', { name: short }).click();
    await page.getByRole('heading', { name: `frontend@${short}` }).waitFor();
    await page.getByRole('button', { name: 'Remove label release' }).click();
    await page.getByText('Label release removed').waitFor();
    await page.getByRole('button', { name: 'Remove label release' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: `Add a label to ${short}` }).click();
    await page.getByRole('menuitem', { name: 'deprecated' }).click();
    await page.getByText('Label deprecated added').waitFor();
    assert.deepEqual(await labelsOf(), ['deprecated']);
    await page.getByRole('button', { name: 'Remove label deprecated' }).click();
    await page.getByText('Label deprecated removed').waitFor();
    assert.deepEqual(await labelsOf(), []);
  });

  step("copies the artifact into another project's repository, where it is found with the tag given", async () => {
    const short = image.manifest.digest.slice(0, 'sha256:'.length + 12);
    // (The button's name begins with its icon's.)
    await page.getByRole('button', { name: /^(copy )?Copy$/ }).click();
    const dialog = page.getByRole('dialog', { name: `Copy artifact ${short}` });
    await dialog.getByLabel('Repository name').fill('Archive/Shop');
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await dialog.getByText('Lower-case letters and digits, optionally separated by . _ - and /').first().waitFor();
    await checkAccessibility('copy dialog');
    await choose('Target project', 'library');
    // A name with a slash: the API path carries it double-encoded.
    await dialog.getByLabel('Repository name').fill('archive/shop');
    await dialog.getByLabel('Tag (optional)').fill('stable');
    await dialog.locator('.ant-form-item-explain-error').first().waitFor({ state: 'detached' });
    await shoot('28-copy-artifact');
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Artifact copied to library/archive/shop').waitFor();
    await dialog.waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Projects' }).first().click();
    await page.getByRole('link', { name: 'library' }).click();
    await page.getByRole('tab', { name: 'Repositories' }).click();
    await page.getByRole('link', { name: 'library/archive/shop' }).click();
    await page.getByRole('heading', { name: 'library/archive/shop' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(short) });
    await row.getByText('stable', { exact: true }).waitFor();
    const copied = (await harbor.call('GET', '/projects/library/repositories/archive%252Fshop/artifacts')).body;
    assert.deepEqual(copied.map((a: { digest: string }) => a.digest), [image.manifest.digest]);
  });

  step("edits a repository's description, which is shown as text, never as HTML", async () => {
    await page.getByText('No description').waitFor();
    await page.getByRole('button', { name: 'Edit description' }).click();
    const dialog = page.getByRole('dialog', { name: 'Description of library/archive/shop' });
    await dialog.getByLabel('Description').fill('<b>Old builds</b> kept for audits');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Description saved').waitFor();
    await page.getByText('<b>Old builds</b> kept for audits', { exact: true }).waitFor();
    assert.equal(await page.locator('b', { hasText: 'Old builds' }).count(), 0);
    await checkAccessibility('repository with a description');
    await shoot('29-repository-description');
    const repository = (await harbor.call('GET', '/projects/library/repositories/archive%252Fshop')).body;
    assert.equal(repository.description, '<b>Old builds</b> kept for audits');
  });

  step('deletes repositories after confirming: from the repository page, and from the list', async () => {
    const libraryId = (await harbor.call('GET', '/projects?name=library')).body[0].project_id;
    // A second copy to delete from the list.
    const scratch = await harbor.call('POST', `/projects/library/repositories/scratch/artifacts?from=${encodeURIComponent(`webshop/frontend@${image.manifest.digest}`)}`);
    assert.equal(scratch.status, 201);

    await page.getByRole('button', { name: 'Delete repository' }).click();
    let confirm = page.getByRole('dialog').filter({ hasText: 'Delete repository?' });
    await confirm.getByText('Repository library/archive/shop will be deleted with all its artifacts and tags.').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'library/archive/shop' }).waitFor();
    await page.getByRole('button', { name: 'Delete repository' }).click();
    confirm = page.getByRole('dialog').filter({ hasText: 'Delete repository?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Repository library/archive/shop deleted').waitFor();
    await page.waitForURL(new RegExp(`/projects/${libraryId}/repositories$`));
    await page.getByRole('link', { name: 'library/scratch' }).waitFor();
    await page.getByRole('link', { name: 'library/archive/shop' }).waitFor({ state: 'detached' });
    assert.equal((await harbor.call('GET', '/projects/library/repositories/archive%252Fshop')).status, 404);

    await page.getByRole('button', { name: 'Delete repository library/scratch' }).click();
    confirm = page.getByRole('dialog').filter({ hasText: 'Delete repository?' });
    await confirm.getByText('Repository library/scratch will be deleted with all its artifacts and tags.').waitFor();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Repository library/scratch deleted').waitFor();
    await page.getByText('No repositories yet: push an image to this project to create one').waitFor();
    assert.deepEqual((await harbor.call('GET', '/projects/library/repositories')).body, []);
    // The original is untouched.
    assert.equal((await harbor.call('GET', '/projects/webshop/repositories/frontend')).status, 200);
  });

  step('offers a guest of the project none of the changes above, only copying', async () => {
    const short = image.manifest.digest.slice(0, 'sha256:'.length + 12);
    // (Names unanchored: an icon's name comes first in its button's.)
    const changes = [/Delete repository/, /Edit description/, /Add a label to/, /Delete selected/, /Add a tag to/];
    // The administrator has every one of them.
    await page.goto(`${berth.url}/projects/${projectId}/repositories/frontend`);
    await page.getByRole('row', { name: new RegExp(short) }).waitFor();
    for (const name of changes) await page.getByRole('button', { name }).first().waitFor();
    // alice has been a guest of webshop since the members step.
    const { context, page: guest } = await walk.signedInBrowser(berth.url, 'alice');
    try {
      await guest.goto(`${berth.url}/projects/${projectId}/repositories`);
      await guest.getByRole('link', { name: 'webshop/frontend' }).waitFor();
      assert.equal(await guest.getByRole('button', { name: /Delete repository/ }).count(), 0);
      await guest.getByRole('link', { name: 'webshop/frontend' }).click();
      const row = guest.getByRole('row', { name: new RegExp(short) });
      await row.getByRole('button', { name: `Copy ${short}` }).waitFor();
      await guest.getByLabel('Filter by labels').waitFor();
      for (const name of changes) {
        assert.equal(await guest.getByRole('button', { name }).count(), 0, `a guest sees no ${name} button`);
      }
    } finally {
      await context.close();
    }
  });

  step('lets a visitor sign up while self-registration is on; the new user sees no administration and no button the server would refuse', async () => {
    const context = await walk.newContext();
    try {
      const visitor = await context.newPage();
      await visitor.goto(`${berth.url}/sign-in`);
      await visitor.getByRole('link', { name: 'No account yet? Sign up' }).click();
      await visitor.getByRole('heading', { name: 'Sign up' }).waitFor();
      await visitor.getByLabel('Username').fill('carol');
      await visitor.getByLabel('Email').fill('carol@example.com');
      await visitor.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
      await visitor.getByLabel('Confirm the password').fill(TEST_PASSWORD);
      await visitor.getByRole('button', { name: 'Create account' }).click();
      await visitor.getByText('Account carol created: you can sign in now').waitFor();
      await shoot('25-signed-up', visitor);
      await visitor.getByRole('button', { name: 'Go to sign-in' }).click();
      await visitor.getByLabel('Username').fill('carol');
      await visitor.getByLabel('Password').fill(TEST_PASSWORD);
      await visitor.getByRole('button', { name: 'Sign in' }).click();
      await visitor.getByRole('heading', { name: 'Projects' }).waitFor();
      // Only the buttons the server would honour: carol may create projects, but delete none of those she sees.
      await visitor.getByRole('link', { name: 'library' }).waitFor();
      await visitor.getByRole('button', { name: 'New project' }).waitFor();
      assert.equal(await visitor.getByRole('row', { name: /library/ }).getByRole('button', { name: 'Delete' }).count(), 0);
      assert.equal((await harbor.call('PUT', '/configurations', { body: { project_creation_restriction: 'adminonly' } })).status, 200);
      await visitor.reload();
      await visitor.getByRole('link', { name: 'library' }).waitFor();
      assert.equal(await visitor.getByRole('button', { name: 'New project' }).count(), 0);
      assert.equal(await visitor.getByRole('link', { name: 'Administration' }).count(), 0);
      await visitor.goto(`${berth.url}/admin/users`);
      await visitor.getByText('Only system administrators may open the administration pages.').waitFor();
      assert.equal(await visitor.getByRole('button', { name: 'New user' }).count(), 0);
    } finally {
      await context.close();
      await harbor.call('PUT', '/configurations', { body: { project_creation_restriction: 'everyone' } });
    }
    const carol = (await harbor.call('GET', '/users?q=username%3Dcarol')).body[0];
    assert.equal(carol.sysadmin_flag, false);
    await page.goto(`${berth.url}/projects`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });

  step('switches to the dark theme and keeps it', async () => {
    await openUserMenu();
    await page.getByRole('menuitem', { name: 'Dark theme' }).click();
    await page.waitForFunction("document.documentElement.style.colorScheme === 'dark'");
    await page.reload();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.style.colorScheme'), 'dark');
    await checkAccessibility('projects in the dark theme');
    await shoot('11-projects-dark');
    await page.goto(`${berth.url}/projects/${projectId}/robot-accounts`);
  });

  step('speaks Chinese and Japanese when chosen, and remembers the choice', async () => {
    await openUserMenu();
    await page.getByRole('menuitem', { name: 'Language' }).hover();
    await page.getByRole('menuitem', { name: '简体中文' }).click();
    await page.getByRole('tab', { name: '机器人账户' }).waitFor();
    await page.getByRole('link', { name: '项目' }).first().waitFor();
    await checkAccessibility('robot accounts in Chinese');
    await shoot('12-robots-zh-CN');
    await openUserMenu();
    await page.getByRole('menuitem', { name: '语言' }).hover();
    await page.getByRole('menuitem', { name: '日本語' }).click();
    await page.getByRole('tab', { name: 'ロボットアカウント' }).waitFor();
    await page.reload();
    await page.getByRole('tab', { name: 'メンバー' }).waitFor();
    assert.equal(await page.evaluate('document.documentElement.lang'), 'ja-JP');
    await shoot('13-robots-ja-JP');
  });

  step('signs out, and after signing in again returns to the page that was asked for', async () => {
    await openUserMenu();
    await page.getByRole('menuitem', { name: 'サインアウト' }).click();
    await page.waitForURL(/\/sign-in$/);
    await page.getByRole('button', { name: 'サインイン' }).waitFor();
    await page.goto(`${berth.url}/projects/${projectId}/members`);
    await page.waitForURL(new RegExp(`/sign-in\\?redirect=%2Fprojects%2F${projectId}%2Fmembers$`));
    await page.getByLabel('ユーザー名').fill('admin');
    await page.getByLabel('パスワード').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.waitForURL(new RegExp(`/projects/${projectId}/members$`));
    await page.getByRole('row', { name: /alice/ }).waitFor();
  });

  step('never follows a redirect off this site after signing in', async () => {
    await page.context().clearCookies();
    await page.goto(`${berth.url}/sign-in?redirect=${encodeURIComponent('//example.com/steal')}`);
    await page.getByLabel('ユーザー名').fill('admin');
    await page.getByLabel('パスワード').fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.waitForURL(`${berth.url}/projects`);
  });

  step('lets an OIDC user sign in through the provider and replace their CLI secret, which registry clients then use', async () => {
    const idp = await startOidcProvider({
      users: [{ sub: 'u-olga', preferred_username: 'olga', email: 'olga@example.test', name: 'Olga' }],
      clients: [{ clientId: 'berth', redirectUri: `${berth.url}/c/oidc/callback` }],
    });
    const oidc = {
      auth_mode: 'oidc_auth',
      oidc_name: 'Test IdP',
      oidc_endpoint: idp.issuer,
      oidc_client_id: idp.clientId,
      oidc_client_secret: idp.clientSecret,
      oidc_scope: 'openid,profile,email',
      oidc_user_claim: 'preferred_username',
      oidc_auto_onboard: true,
      primary_auth_mode: true,
    };
    assert.equal((await harbor.call('PUT', '/configurations', { body: oidc })).status, 200);
    const context = await walk.newContext();
    const olga = await context.newPage();
    try {
      await olga.goto(`${berth.url}/sign-in`);
      // The provider is the primary way in: the local form waits behind a link.
      await olga.getByRole('button', { name: 'Sign in with a local account' }).waitFor();
      assert.equal(await olga.getByLabel('Password').count(), 0);
      await olga.getByRole('link', { name: 'Sign in with Test IdP' }).click();
      // The test provider has no login form: it signs in whoever its interaction URL names.
      await olga.waitForURL(`${idp.issuer}/interaction/**`);
      const interaction = new URL(olga.url());
      interaction.searchParams.set('account', 'u-olga');
      await olga.goto(interaction.href);
      await olga.getByRole('heading', { name: 'Projects' }).waitFor();
      await olga.getByRole('button', { name: /olga/ }).click();
      await olga.getByRole('menuitem', { name: 'Profile' }).click();
      const profile = olga.getByRole('dialog', { name: 'Profile' });
      await profile.getByRole('heading', { name: 'CLI secret' }).waitFor();
      await profile.getByRole('button', { name: 'Replace the CLI secret' }).click();
      await olga.getByRole('dialog').filter({ hasText: 'Replace the CLI secret?' }).getByRole('button', { name: 'Replace the CLI secret' }).click();
      const generated = (await profile.getByTestId('cli-secret').textContent())!.trim();
      await olga.getByRole('dialog').filter({ hasText: 'Replace the CLI secret?' }).waitFor({ state: 'detached' });
      await shoot('26-cli-secret', olga);
      const token = (secret: string) => fetch(`${berth.url}/service/token?service=harbor-registry`, { headers: { authorization: basic('olga', secret) } }).then((r) => r.status);
      assert.equal(await token(generated), 200, 'registry clients sign in with the new CLI secret');

      await profile.getByRole('radio', { name: 'Choose the secret' }).check();
      await profile.getByLabel('Secret', { exact: true }).fill('Olga-Cli-Secret-1');
      await profile.getByLabel('Confirm the secret').fill('Olga-Cli-Secret-1');
      await profile.getByRole('button', { name: 'Replace the CLI secret' }).click();
      await olga.getByRole('dialog').filter({ hasText: 'Replace the CLI secret?' }).getByRole('button', { name: 'Replace the CLI secret' }).click();
      await olga.getByText('CLI secret changed').waitFor();
      await profile.getByTestId('cli-secret').waitFor({ state: 'detached' });
      assert.equal(await token('Olga-Cli-Secret-1'), 200);
      assert.equal(await token(generated), 401, 'the replaced secret stopped working');
      await checkAccessibility('the profile', olga);
    } catch (failure) {
      // The step's own screenshot shows the administrator's page; this one shows olga's.
      await shoot('failed-oidc-user', olga).catch(() => undefined);
      throw failure;
    } finally {
      await context.close();
      await harbor.call('PUT', '/configurations', { body: { auth_mode: 'db_auth', primary_auth_mode: false } });
      await idp.stop();
    }
  });
});
