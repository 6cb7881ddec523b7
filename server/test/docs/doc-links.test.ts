import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's documentation (README, docs/, every other *.md) must work
 * from a clone that has nothing beside it: each relative link, and each
 * path written out as ../something, names a file inside the repository, and
 * each #anchor a heading of the page it points to.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test-output', 'coverage']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text outside fenced code blocks (a block shows code, whose paths are not links). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]!
      .replace(/`([^`]*)`/g, '$1')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link target of a page that is not a URL with a scheme: inline links, images, reference definitions, written-out ../ paths. */
export function localTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [
    ...[...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!),
    // A path out of the page's own folder, written as text or code rather than linked: a reader follows it too.
    ...[...text.matchAll(/(?<![\w./-])(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g)].map((m) => m[0]),
  ];
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('//'));
}

function problems(file: string): string[] {
  const markdown = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const target of localTargets(markdown)) {
    const [path = '', anchor] = target.split('#', 2);
    const destination = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    const inside = relative(ROOT, destination);
    if (inside.startsWith(`..${sep}`) || inside === '..') {
      found.push(`${target}: outside the repository`);
      continue;
    }
    if (!existsSync(destination)) {
      found.push(`${target}: no such file`);
      continue;
    }
    if (anchor && destination.endsWith('.md') && statSync(destination).isFile() && !headingAnchors(readFileSync(destination, 'utf8')).has(anchor.toLowerCase())) {
      found.push(`${target}: no heading #${anchor} in ${relative(ROOT, destination)}`);
    }
  }
  return found;
}

describe('the documentation', () => {
  const files = markdownFiles(ROOT);

  it('is found: the README and docs/ pages are read', () => {
    const names = files.map((file) => relative(ROOT, file).split(sep).join('/'));
    assert.ok(names.includes('README.md'), names.join(', '));
    assert.ok(names.some((name) => name.startsWith('docs/')), names.join(', '));
  });

  for (const file of files) {
    it(`${relative(ROOT, file)} links only to files and headings inside the repository`, () => {
      assert.deepEqual(problems(file), []);
    });
  }

  it('the check itself: refuses links leaving the repository, missing files and headings, and accepts URLs', () => {
    const page = [
      '# Title',
      '## A `code` heading: with punctuation!',
      'See [x](../../outside.md), `../../also-outside.md`, [y](missing.md), [z](#nowhere), [ok](#title),',
      '[heading](#a-code-heading-with-punctuation), <https://example.com>, [web](https://example.com/a.md).',
      '[ref]: ../../ref-outside.md',
      '```',
      '../in/a/code/block.md',
      '```',
    ].join('\n');
    assert.deepEqual(localTargets(page), ['../../outside.md', 'missing.md', '#nowhere', '#title', '#a-code-heading-with-punctuation', '../../ref-outside.md', '../../outside.md', '../../also-outside.md', '../../ref-outside.md']);
    assert.deepEqual([...headingAnchors(page)], ['title', 'a-code-heading-with-punctuation']);
  });
});
