/**
 * Measures the JavaScript a first visit downloads — the entry chunk and
 * everything index.html preloads, plus the sign-in screen and the English
 * catalog it renders with — gzipped, and fails at or above the budget.
 * Run after `vite build`: node scripts/bundle-size.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 300 * 1000;
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/** The screens a signed-out visitor sees first, by source path as Vite's manifest names them. */
const FIRST_SCREEN_MODULES = ['src/features/sign-in/SignInPage.tsx', 'src/i18n/locales/en-US.json'];

interface ManifestChunk {
  file: string;
  isEntry?: boolean;
  imports?: string[];
}

const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;

function withStaticImports(key: string, into: Set<string>): void {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`${key} is not in the build manifest: was the portal built, and does the module still exist?`);
  if (into.has(chunk.file)) return;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) withStaticImports(imported, into);
}

const entryKeys = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
if (entryKeys.length !== 1) throw new Error(`expected one entry in the manifest, found ${entryKeys.length}`);

const initial = new Set<string>();
withStaticImports(entryKeys[0]!, initial);
// What index.html loads or preloads must all be counted, whatever the manifest says.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
for (const match of html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)) initial.add(match[1]!);

const firstScreen = new Set(initial);
for (const key of FIRST_SCREEN_MODULES) withStaticImports(key, firstScreen);

const gzipped = (file: string) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;

let initialTotal = 0;
let total = 0;
const rows: [string, number][] = [];
for (const file of firstScreen) {
  const size = gzipped(file);
  total += size;
  if (initial.has(file)) initialTotal += size;
  rows.push([file, size]);
}
rows.sort((a, b) => b[1] - a[1]);
for (const [file, size] of rows) console.log(`${kb(size).padStart(10)}  ${file}${initial.has(file) ? '' : '  (sign-in screen)'}`);
console.log(`entry + preloaded: ${kb(initialTotal)} gzipped`);
console.log(`first screen (sign-in): ${kb(total)} gzipped; budget ${kb(BUDGET_BYTES)}`);
if (total >= BUDGET_BYTES) {
  console.error(`the first screen's JavaScript is ${kb(total)} gzipped, at or over the ${kb(BUDGET_BYTES)} budget`);
  process.exit(1);
}
