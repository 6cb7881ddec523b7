import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * content/ is the one writer of repository content, so that a rule (deletes
 * allowed, quotas, later immutability and events) holds whichever API a change
 * comes through. This test keeps it so: a second writer anywhere else in
 * src/ fails it. Migrations are exempt — they shape data once, before any
 * feature runs.
 */
const SRC = join(import.meta.dirname, '..');
const OWNER = join(SRC, 'content') + sep;
const EXEMPT = [join(SRC, 'db', 'migrations') + sep];

/** The content tables, as SQL and as Kysely (CamelCasePlugin) name them. */
const TABLES = ['repository', 'artifact', 'tag', 'blob', 'artifact_blob', 'artifact_reference', 'repository_blob', 'upload'];
const camel = (table: string) => table.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const KYSELY_WRITE = new RegExp(`\\b(?:insertInto|updateTable|deleteFrom)\\(\\s*'(?:${TABLES.map(camel).join('|')})(?:\\s+as\\s+\\w+)?'`, 'g');
const SQL_WRITE = new RegExp(`\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+(?:${TABLES.join('|')})\\b`, 'g');
/** Quota usage (`used`) changes with content; the limits (`hard`) are quotas/' own. */
const USAGE_WRITE = /\bupdateTable\(\s*'quota'\s*\)[^;]*\bused\b|\bUPDATE\s+quota\s+SET[^;]*\bused\b/g;

function writesOf(source: string): string[] {
  return [KYSELY_WRITE, SQL_WRITE, USAGE_WRITE].flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[0].replace(/\s+/g, ' ').slice(0, 60)));
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('content has one owner', () => {
  it('recognises every form of write to a content table', () => {
    assert.deepEqual(writesOf(`db.insertInto('tag').values(x); trx.deleteFrom('repository as r').where(y); db.updateTable('repositoryBlob')`).length, 3);
    assert.deepEqual(writesOf('sql`UPDATE artifact a SET pull_time = now()`; sql`DELETE FROM upload WHERE id = 1`; sql`INSERT INTO blob (digest)`').length, 3);
    assert.deepEqual(writesOf(`db.updateTable('quota').set({ used: sql\`used + 1\` }).execute();`).length, 1);
    assert.deepEqual(writesOf(`db.updateTable('quota').set({ hard }).execute(); db.selectFrom('tag'); db.insertInto('tagline')`), []);
  });

  it('no file outside src/content/ inserts, updates or deletes repository content or quota usage', () => {
    const offenders = sourceFiles(SRC)
      .filter((path) => !path.startsWith(OWNER) && !EXEMPT.some((exempt) => path.startsWith(exempt)))
      .flatMap((path) => writesOf(readFileSync(path, 'utf8')).map((write) => `${relative(SRC, path)}: ${write}`));
    assert.deepEqual(offenders, [], 'write through a content/ service instead');
  });
});
