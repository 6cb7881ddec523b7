import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBerth, type BerthProcess } from '../fixtures/berth-process.ts';
import { imageBlobs, makeImage, writeOciLayout } from '../fixtures/image-builder.ts';
import { ADMIN_AUTH, RegistryClient } from '../fixtures/registry-client.ts';
import { createContainerTools, type ContainerTools } from '../fixtures/cli-tools.ts';
import { assertRefused, REFUSAL } from '../fixtures/client-refusals.ts';

/** Robot accounts as CI systems use them: podman and skopeo logging in with a robot's name and secret. */

const TEST_TIMEOUT = 120_000;
let berth: BerthProcess;
let tools: ContainerTools;
let admin: RegistryClient;

before(async () => {
  tools = createContainerTools();
  berth = await startBerth();
  admin = new RegistryClient(berth.url, ADMIN_AUTH);
  for (const project of ['ci', 'elsewhere']) await admin.createProject(project);
});
after(async () => {
  await berth?.destroy();
  await tools?.destroy();
});

async function adminApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await admin.request(method, `/api/v2.0${path}`, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describe('robot accounts with real registry clients', () => {
  it('podman logs in and skopeo pushes and pulls as a project robot, only in its project; a refreshed secret replaces the old one', { timeout: TEST_TIMEOUT }, async () => {
    const created = await adminApi('POST', '/robots', {
      name: 'builder',
      level: 'project',
      duration: -1,
      permissions: [{ kind: 'project', namespace: 'ci', access: [{ resource: 'repository', action: 'pull' }, { resource: 'repository', action: 'push' }] }],
    });
    assert.equal(created.status, 201);
    const { id, name, secret } = created.body as { id: number; name: string; secret: string };
    assert.equal(name, 'robot_ci+builder');

    const authfile = join(tools.tempDir('robot-login'), 'auth.json');
    const login = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', name, '-p', secret, berth.host]);
    assert.match(login.stdout, /Login Succeeded/);

    const image = await makeImage({ layerSizes: [8 * 1024] });
    const layout = tools.tempDir('robot-layout');
    writeOciLayout(layout, imageBlobs(image), { v1: image.manifest });
    const push = (repository: string) =>
      tools.skopeo(['copy', '-q', '--dest-tls-verify=false', '--dest-authfile', authfile, `oci:${layout}:v1`, `docker://${berth.host}/${repository}:v1`], { check: false });
    const pushed = await push('ci/app');
    assert.equal(pushed.code, 0, pushed.stderr);
    const denied = await push('elsewhere/app');
    assertRefused(denied, REFUSAL.denied, 'the robot pushing outside its project');

    const inspect = await tools.skopeo(['inspect', '--raw', '--tls-verify=false', '--authfile', authfile, `docker://${berth.host}/ci/app:v1`]);
    assert.equal(inspect.stdout, image.manifest.bytes.toString());

    const refreshed = await adminApi('PATCH', `/robots/${id}`, {});
    assert.equal(refreshed.status, 200);
    const stale = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', name, '-p', secret, berth.host], { check: false });
    assertRefused(stale, REFUSAL.badCredentials, 'the old secret logging in');
    const fresh = await tools.podman(['login', '--authfile', authfile, '--tls-verify=false', '-u', name, '-p', refreshed.body.secret, berth.host]);
    assert.match(fresh.stdout, /Login Succeeded/);
  });
});
