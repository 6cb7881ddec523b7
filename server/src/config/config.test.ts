import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, unknownVariables } from './config.ts';

function withFile(content: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
  const file = join(dir, 'berth.yml');
  writeFileSync(file, content);
  return { dir, file };
}

describe('configuration', () => {
  it('runs on built-in defaults with no file and no variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const config = loadConfig({ env: {}, cwd: dir });
    assert.equal(config.http.port, 8080);
    assert.equal(config.http.upload_idle_timeout, 60_000);
    assert.equal(config.data_volume, join(dir, 'data'));
    assert.equal(config.database.url, undefined);
    assert.equal(config.storage_service.delete.enabled, true);
    assert.equal(config.storage_service.upload_purging.age, 168 * 3_600_000);
  });

  it('reads harbor.yml-style keys from berth.yml', () => {
    const { dir, file } = withFile(`
hostname: registry.example.com
external_url: https://registry.example.com
http:
  port: 9000
data_volume: /var/lib/berth
database:
  url: postgres://u:p@db:5432/berth
storage_service:
  s3:
    bucket: images
    regionendpoint: http://minio:9000
  upload_purging:
    age: 24h
    interval: 1h
log:
  level: debug
`);
    const config = loadConfig({ env: {}, cwd: dir, file });
    assert.equal(config.hostname, 'registry.example.com');
    assert.equal(config.http.port, 9000);
    assert.equal(config.storage_service.s3?.bucket, 'images');
    assert.equal(config.storage_service.upload_purging.interval, 3_600_000);
    assert.equal(config.log.level, 'debug');
  });

  it("takes distribution's S3 multipart copy settings within what S3 accepts", () => {
    const s3 = (settings: string) => withFile(`storage_service:\n  s3:\n    bucket: images\n${settings}`);
    const good = s3('    multipartcopythresholdsize: 33554432\n    multipartcopychunksize: 33554432\n');
    const config = loadConfig({ env: {}, cwd: good.dir, file: good.file });
    assert.deepEqual([config.storage_service.s3?.multipartcopythresholdsize, config.storage_service.s3?.multipartcopychunksize], [33554432, 33554432]);
    for (const [settings, key] of [
      ['    multipartcopychunksize: 1048576\n', 'multipartcopychunksize'],
      ['    multipartcopythresholdsize: 6000000000\n', 'multipartcopythresholdsize'],
    ]) {
      const { dir, file } = s3(settings!);
      assert.throws(() => loadConfig({ env: {}, cwd: dir, file }), (error: unknown) => error instanceof ConfigError && error.message.includes(`storage_service.s3.${key}`), settings);
    }
  });

  it('lets BERTH_* variables override the file', () => {
    const { dir, file } = withFile('http:\n  port: 9000\n');
    const config = loadConfig({
      env: {
        BERTH_HTTP_PORT: '7000',
        BERTH_DATA_DIR: '/srv/berth',
        BERTH_EXTERNAL_URL: 'https://r.example.com',
        BERTH_DATABASE_URL: 'postgresql://x@y/z',
        BERTH_ADMIN_PASSWORD: 'S3cret-pass',
        BERTH_LOG_LEVEL: 'warn',
        BERTH_HTTP_UPLOAD_IDLE_TIMEOUT: '90s',
      },
      cwd: dir,
      file,
    });
    assert.equal(config.http.port, 7000);
    assert.equal(config.http.upload_idle_timeout, 90_000);
    assert.equal(config.data_volume, '/srv/berth');
    assert.equal(config.external_url, 'https://r.example.com');
    assert.equal(config.database.url, 'postgresql://x@y/z');
    assert.equal(config.admin_password, 'S3cret-pass');
    assert.equal(config.log.level, 'warn');
  });

  it("runs the job service with Harbor's 10 workers and a 10 s heartbeat unless told otherwise; modules from a PATH-like list", () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    assert.deepEqual(loadConfig({ env: {}, cwd: dir }).jobs, { workers: 10, heartbeat: 10_000, modules: [] });
    const set = loadConfig({ env: { BERTH_JOBS_WORKERS: '0', BERTH_JOBS_HEARTBEAT: '30s', BERTH_JOBS_MODULES: '/opt/a.ts:/opt/b.ts' }, cwd: dir });
    assert.deepEqual(set.jobs, { workers: 0, heartbeat: 30_000, modules: ['/opt/a.ts', '/opt/b.ts'] });
  });

  it('drains for 30 s with no shutdown delay and trusts no proxy unless told; proxies as a comma-separated list of IPs and CIDRs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    const { drain_timeout, shutdown_delay, trusted_proxies } = loadConfig({ env: {}, cwd: dir }).http;
    assert.deepEqual({ drain_timeout, shutdown_delay, trusted_proxies }, { drain_timeout: 30_000, shutdown_delay: 0, trusted_proxies: [] });
    const set = loadConfig({ env: { BERTH_HTTP_DRAIN_TIMEOUT: '2m', BERTH_HTTP_SHUTDOWN_DELAY: '10s', BERTH_HTTP_TRUSTED_PROXIES: ' 10.0.0.0/8 , ::1,fd00::/8 ' }, cwd: dir }).http;
    assert.deepEqual([set.drain_timeout, set.shutdown_delay, set.trusted_proxies], [120_000, 10_000, ['10.0.0.0/8', '::1', 'fd00::/8']]);
  });

  it('refuses a trusted proxy that is not an IP address or CIDR block, naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-config-'));
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'proxy.example.com', '10.0.0.0/8/1', '10.0.0.0/', '10.0.0.0/08x']) {
      assert.throws(() => loadConfig({ env: { BERTH_HTTP_TRUSTED_PROXIES: bad }, cwd: dir }), { message: 'BERTH_HTTP_TRUSTED_PROXIES (http.trusted_proxies.0): expected an IP address or a CIDR block (10.0.0.0/8, fd00::/8)' }, bad);
    }
  });

  it('refuses a heartbeat under 10 s and an upload purge interval the clock cannot repeat, naming the variable', () => {
    const { dir } = withFile('');
    assert.throws(() => loadConfig({ env: { BERTH_JOBS_HEARTBEAT: '5s' }, cwd: dir }), { message: 'BERTH_JOBS_HEARTBEAT (jobs.heartbeat): expected whole seconds, at least 10s' });
    assert.throws(
      () => loadConfig({ env: { BERTH_UPLOAD_PURGING_INTERVAL: '7m' }, cwd: dir }),
      { message: 'BERTH_UPLOAD_PURGING_INTERVAL (storage_service.upload_purging.interval): expected an interval that divides a minute, an hour or a day, or whole days (e.g. 30s, 15m, 6h, 24h, 7d)' },
    );
  });

  it('stops with a message naming the bad key', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['http:\n  port: 99999\n', {}, /http\.port/],
      ['log:\n  level: loud\n', {}, /log\.level/],
      ['unknown_key: 1\n', {}, /unknown_key/],
      ['storage_service:\n  upload_purging:\n    age: forever\n', {}, /storage_service\.upload_purging\.age/],
      ['database:\n  url: mysql://x\n', {}, /database\.url/],
      ['', { BERTH_HTTP_PORT: 'eighty' }, /BERTH_HTTP_PORT/],
      ['', { BERTH_STORAGE_DELETE_ENABLED: 'maybe' }, /BERTH_STORAGE_DELETE_ENABLED/],
      ['http: [1, 2\n', {}, /invalid YAML/],
    ];
    for (const [content, env, pattern] of cases) {
      const { dir, file } = withFile(content);
      assert.throws(() => loadConfig({ env, cwd: dir, file }), (error: unknown) => error instanceof ConfigError && pattern.test(error.message), content);
    }
  });

  it('names the BERTH_* variable, not the key, when a value from the environment is invalid', () => {
    const cases: [Record<string, string>, string][] = [
      [{ BERTH_HTTP_PORT: 'abc' }, 'BERTH_HTTP_PORT: expected a whole number, got "abc"'],
      [{ BERTH_HTTP_PORT: '99999' }, 'BERTH_HTTP_PORT (http.port): Too big: expected number to be <=65535'],
      [{ BERTH_LOG_LEVEL: 'loud' }, 'BERTH_LOG_LEVEL (log.level): Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"'],
      [{ BERTH_DATABASE_URL: 'mysql://x' }, 'BERTH_DATABASE_URL (database.url): expected a postgres:// URL'],
      [{ BERTH_UPLOAD_PURGING_AGE: 'forever' }, 'BERTH_UPLOAD_PURGING_AGE (storage_service.upload_purging.age): expected a duration such as 30s, 15m, 168h or 7d'],
    ];
    for (const [env, message] of cases) {
      const { dir } = withFile('');
      assert.throws(() => loadConfig({ env, cwd: dir }), (error: unknown) => error instanceof ConfigError && error.message === message, JSON.stringify(env));
    }
    const { dir, file } = withFile('http:\n  port: 99999\n');
    assert.throws(() => loadConfig({ env: {}, cwd: dir, file }), { message: `${file}: http.port: Too big: expected number to be <=65535` });
  });

  it('lists BERTH_* variables it does not read, with the known name each is likely a misspelling of', () => {
    const env = {
      BERTH_HTTP_PROT: '9000',
      BERTH_DATABASE: 'postgres://db/berth',
      BERTH_ADMIN_PASWORD: 'x',
      BERTH_SOMETHING_ELSE: '1',
      BERTH_HTTP_PORT: '9000',
      BERTH_CONFIG: 'berth.yml',
      BERTH_TEST_DATABASE_URL: 'postgres://test',
      PATH: '/usr/bin',
    };
    assert.deepEqual(unknownVariables(env), [
      { name: 'BERTH_ADMIN_PASWORD', nearest: 'BERTH_ADMIN_PASSWORD' },
      { name: 'BERTH_DATABASE', nearest: 'BERTH_DATABASE_URL' },
      { name: 'BERTH_HTTP_PROT', nearest: 'BERTH_HTTP_PORT' },
      { name: 'BERTH_SOMETHING_ELSE' },
    ]);
  });
});
