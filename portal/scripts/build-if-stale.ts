/**
 * Builds the portal when dist/ is missing or older than any of its sources,
 * so `npm start` and the tests always serve the portal of this checkout
 * without rebuilding it each time (a build takes a few seconds).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];
const built = join(root, 'dist', '.vite', 'manifest.json');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const stale = !existsSync(built) || SOURCES.some((source) => existsSync(join(root, source)) && newest(join(root, source)) > statSync(built).mtimeMs);
if (stale) {
  console.log('building the portal (portal/dist)…');
  const started = Date.now();
  // npm workspaces hoist vite to the repository's node_modules; a standalone install keeps it here.
  const vite = [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), join(root, '..', 'node_modules', 'vite', 'bin', 'vite.js')].find((path) => existsSync(path));
  if (!vite) throw new Error('vite is not installed: run npm install first');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  console.log(`portal built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
