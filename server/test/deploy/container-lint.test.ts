import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The Dockerfile and compose files pass well-kept linters with nothing reported: there is no container engine
 * here to build or run them, so their syntax, instructions and schema are what can be checked.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin');
const COMPOSE_FILES = ['compose.yaml', 'compose.embedded.yaml'];
const run = promisify(execFile);
const require = createRequire(import.meta.url);

interface Diagnostic {
  message: string;
  range: { start: { line: number } };
}
const dockerfileUtils = require('dockerfile-utils') as {
  validate(content: string, settings: Record<string, number>): Diagnostic[];
  ValidationSeverity: Record<string, number>;
};

/** What a compose file needs set before it renders (it has no defaults for secrets). */
const COMPOSE_ENV = { BERTH_EXTERNAL_URL: 'https://registry.example.com', BERTH_ADMIN_PASSWORD: 'example-admin', POSTGRES_PASSWORD: 'example-db' };

describe('container image files', () => {
  it('the Dockerfile has no problem dockerfile-utils reports, with every optional check raised to an error', () => {
    const error = dockerfileUtils.ValidationSeverity.ERROR!;
    const settings = Object.fromEntries(
      [
        'deprecatedMaintainer',
        'directiveCasing',
        'emptyContinuationLine',
        'instructionCasing',
        'instructionCmdMultiple',
        'instructionEntrypointMultiple',
        'instructionHealthcheckMultiple',
        'instructionJSONInSingleQuotes',
        'instructionWorkdirRelative',
      ].map((name) => [name, error]),
    );
    const problems = dockerfileUtils.validate(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), settings);
    assert.deepEqual(
      problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`),
      [],
    );
  });

  it('the validator does report a broken Dockerfile (the check above can fail)', () => {
    const problems = dockerfileUtils.validate('FROM\nHEALTHCHECK --interval=5 CMD true\n', {});
    assert.ok(problems.length >= 2, JSON.stringify(problems));
  });

  it('the Dockerfile runs Berth as a non-root numeric user on one data volume, with a /livez healthcheck and tini as PID 1', () => {
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(text, /^USER 10001:10001$/m);
    assert.match(text, /^VOLUME \["\/var\/lib\/berth"\]$/m);
    assert.match(text, /BERTH_DATA_DIR=\/var\/lib\/berth/);
    assert.match(text, /^HEALTHCHECK [^\n]*\\\n\s+CMD \[[^\n]*\/livez/m);
    assert.match(text, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "\/app\/server\/bin\/berth"\]$/m);
    assert.match(text, /npm ci --omit=dev/);
  });

  it('the compose files have no problem or warning dclint reports', async () => {
    // require-project-name-field: a top-level `name` is refused by docker-compose v1's schema (checked below);
    // the project is named after the directory, or -p.
    const result = await run(join(BIN, 'dclint'), ['--max-warnings', '0', '--disable-rule', 'require-project-name-field', '--color', 'false', ...COMPOSE_FILES], { cwd: ROOT }).catch(
      (error: { stdout: string; stderr: string; code: number }) => error,
    );
    assert.equal('code' in result ? result.code : 0, 0, `${result.stdout}${result.stderr}`);
    assert.doesNotMatch(result.stdout, /problem|warning|error/i);
  });

  it('the compose files render with docker-compose config once their secrets are set, and refuse to without them', async (t) => {
    const dockerCompose = await run('docker-compose', ['version', '--short']).catch(() => undefined);
    if (!dockerCompose) return t.skip('docker-compose is not installed (scripts/install-test-deps.sh installs it)');
    for (const file of COMPOSE_FILES) {
      await run('docker-compose', ['-f', file, 'config', '-q'], { cwd: ROOT, env: { ...process.env, ...COMPOSE_ENV } });
      const refused = await run('docker-compose', ['-f', file, 'config', '-q'], { cwd: ROOT, env: { PATH: process.env.PATH } }).then(
        () => assert.fail(`${file} rendered with no secrets set`),
        (error: { stderr: string }) => error.stderr,
      );
      assert.match(refused, /set BERTH_EXTERNAL_URL in \.env/);
    }
  });

  it('no compose service carries an inline default for a secret', () => {
    for (const file of COMPOSE_FILES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      assert.doesNotMatch(text, /\$\{[A-Z_]*(PASSWORD|SECRET)[A-Z_]*:?-/, file);
      assert.doesNotMatch(text, /PASSWORD: [^$\s]/, file);
    }
  });
});
