import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LANGUAGES } from '../src/i18n/languages.ts';

const LOCALES = fileURLToPath(new URL('../src/i18n/locales/', import.meta.url));
const SOURCES = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Values that are rightly the same as in English: names of products and
 * protocols, and words a language shares with English. Anything else equal
 * to the English text is an untranslated string.
 */
const SAME_AS_ENGLISH: Record<string, readonly string[]> = {
  '*': ['about.authModes.oidc_auth'],
  'ja-JP': ['artifact.readme'],
  'ko-KR': ['artifact.readme'],
  'de-DE': [
    'retention.runs.repository',
    'about.version',
    'artifact.dependencyVersion',
    'repositories.name',
    'members.name',
    'robots.name',
    'robots.status',
    'artifacts.tags',
    'artifact.tags',
    'tags.name',
    'artifact.readme',
    'artifact.digest',
    'artifact.dependencyName',
    'artifact.dependencyRepository',
    'admin.labels',
    'project.labels',
    'labels.name',
    'artifactLabels.labels',
    'copyArtifact.tag',
    'auditLog.resourceTypes.repository',
    'auditLog.resourceTypes.tag',
    'selectors.repositories',
    'selectors.tags',
    'rules.status',
  ],
  'fr-FR': [
    'retention.runs.seconds',
    'retention.runs.minutes',
    'common.actions',
    'robots.actions',
    'about.version',
    'artifact.dependencyVersion',
    'projects.public',
    'repositories.description',
    'robots.description',
    'members.type',
    'artifact.type',
    'robots.permissions',
    'robots.secret',
    'secrets.new',
    'artifacts.tags',
    'artifact.tags',
    'tags.name',
    'artifact.dependencyName',
    'shell.administration',
    'admin.title',
    'admin.configuration',
    'project.configuration',
    'auditLog.resourceTypes.configuration',
    'auditLog.resourceTypes.quota',
    'auditLog.resourceTypes.tag',
    'labels.description',
    'groups.type',
    'artifactAttrs.architecture',
    'artifactAttrs.volumes',
    'artifactAttrs.description',
    'artifactAttrs.sources',
    'artifactAttrs.annotations',
    'selectors.tags',
  ],
  'es-ES': ['common.total', 'artifact.dependencyName', 'labels.color', 'artifactAttrs.no', 'retention.runs.seconds', 'retention.runs.minutes', 'retention.runs.no', 'retention.runs.triggers.MANUAL'],
  'pt-BR': ['common.total', 'artifacts.tags', 'artifact.tags', 'artifact.digest', 'artifact.dependencyName', 'auditLog.resourceTypes.tag', 'artifactAttrs.volumes', 'selectors.tags', 'rules.status', 'retention.runs.seconds', 'retention.runs.minutes', 'retention.runs.log', 'retention.runs.triggers.MANUAL'],
};

type Catalog = { [key: string]: string | Catalog };

function flatten(catalog: Catalog, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    if (typeof value === 'string') entries.set(`${prefix}${key}`, value);
    else for (const [nested, text] of flatten(value, `${prefix}${key}.`)) entries.set(nested, text);
  }
  return entries;
}

function load(code: string): Map<string, string> {
  return flatten(JSON.parse(readFileSync(join(LOCALES, `${code}.json`), 'utf8')) as Catalog);
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

/**
 * Texts that put a count in words the count must agree with ("1 files"): i18next picks key_one, key_few,
 * key_other… by Intl.PluralRules, so a family must have exactly the language's forms; any other text
 * shows the count as a figure after a label ("Total: 3", "Projects (3)").
 */
function countProblems(code: string, catalog: Map<string, string>): string[] {
  const categories = new Intl.PluralRules(code).resolvedOptions().pluralCategories.slice().sort();
  const families = new Map<string, string[]>();
  const wrong: string[] = [];
  for (const [key, text] of catalog) {
    const plural = /^(.*)_(zero|one|two|few|many|other)$/.exec(key);
    if (plural) families.set(plural[1]!, [...(families.get(plural[1]!) ?? []), plural[2]!]);
    // (A language with one form only, as Chinese, Japanese and Korean have, words any count rightly.)
    else if (categories.length > 1 && /\{\{\s*count\s*\}\}/.test(text) && !/(:\s*|\()\{\{\s*count\s*\}\}/.test(text)) wrong.push(`${key}: ${text}`);
  }
  for (const [family, forms] of families) if (forms.sort().join() !== categories.join()) wrong.push(`${family}: forms ${forms.join(', ')}, the language has ${categories.join(', ')}`);
  return wrong;
}

describe('the portal translations', () => {
  const english = load('en-US');

  it('exist for exactly the eleven languages the portal offers', () => {
    const files = readdirSync(LOCALES).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)).sort();
    assert.deepEqual(files, LANGUAGES.map((language) => language.code).sort());
  });

  it('define every text the portal uses, in English', () => {
    const used = new Set<string>();
    // Keys in t('…') calls, and keys kept in tables for a t() call elsewhere (any literal that starts with a catalog's section).
    const sections = new Set([...english.keys()].map((key) => key.split('.')[0]!));
    for (const file of sourceFiles(SOURCES)) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/\bt\(\s*'([a-zA-Z][\w.]*\.[\w.]+)'/g)) used.add(match[1]!);
      for (const match of source.matchAll(/'([a-zA-Z]\w*)\.([\w.]+)'/g)) if (sections.has(match[1]!) && !match[2]!.endsWith('.')) used.add(`${match[1]}.${match[2]}`);
    }
    assert.ok(used.size > 100, `found only ${used.size} texts in the sources`);
    assert.deepEqual([...used].filter((key) => !english.has(key)).sort(), []);
  });

  it('put every English count in English plural forms, or show it as a figure after a label', () => {
    assert.deepEqual(countProblems('en-US', english), []);
  });

  for (const { code } of LANGUAGES.filter((language) => language.code !== 'en-US')) {
    describe(code, () => {
      const catalog = load(code);
      const allowed = new Set([...(SAME_AS_ENGLISH['*'] ?? []), ...(SAME_AS_ENGLISH[code] ?? [])]);

      it('has exactly the keys of en-US', () => {
        assert.deepEqual([...catalog.keys()].sort(), [...english.keys()].sort());
      });

      it('translates every text (none left in English, none empty)', () => {
        const untranslated = [...catalog].filter(([key, text]) => text.trim() === '' || (text === english.get(key) && !allowed.has(key))).map(([key, text]) => `${key}: ${text}`);
        assert.deepEqual(untranslated, []);
      });

      it('allows English words only where the language really uses them', () => {
        const stale = (SAME_AS_ENGLISH[code] ?? []).filter((key) => catalog.get(key) !== english.get(key));
        assert.deepEqual(stale, [], 'allow-listed keys that are translated after all: drop them from SAME_AS_ENGLISH');
      });

      it('puts every count in the plural forms of the language, or shows it as a figure after a label', () => {
        assert.deepEqual(countProblems(code, catalog), []);
      });

      it('keeps every placeholder of the English text', () => {
        const broken = [...catalog].filter(([key, text]) => english.has(key) && placeholders(text).join() !== placeholders(english.get(key)!).join()).map(([key]) => key);
        assert.deepEqual(broken, []);
      });
    });
  }
});
