import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RetentionDecision } from './retention-engine.ts';
import { retentionLogTable } from './retention-log.ts';

const PUSHED = Date.parse('2026-05-01T08:30:00Z');

function decision(digest: string, action: RetentionDecision['action'], tags: [string, RetentionDecision['action']][], pulled: number | null = null): RetentionDecision {
  return {
    artifact: { digest, kind: 'image', labels: digest === 'sha256:b' ? ['qa', 'prod'] : [], pushedAt: PUSHED, pulledAt: null, tags: tags.map(([name]) => ({ name, pushedAt: PUSHED, pulledAt: null })) },
    action,
    tags: tags.map(([name, tagAction]) => ({ name, action: tagAction })),
    pushedTime: PUSHED / 1000,
    pulledTime: pulled,
  };
}

describe("retention's task log", () => {
  it("is Harbor's table: one row per artifact, its tags, labels and times, and RETAIN / DEL / IMMUTABLE", () => {
    const table = retentionLogTable([
      decision('sha256:a', 'RETAIN', [['v2', 'RETAIN'], ['latest', 'RETAIN']], Date.parse('2026-05-02T00:00:00Z') / 1000),
      decision('sha256:b', 'DEL', [['v1', 'DEL']]),
      decision('sha256:c', 'IMMUTABLE', [['release-1', 'IMMUTABLE']]),
      decision('sha256:d', 'DEL', []),
    ]);
    assert.equal(
      table,
      [
        '| Digest   | Tag       | Kind  | Labels  | PushedTime          | PulledTime          | CreatedTime         | Retention |',
        '|----------|-----------|-------|---------|---------------------|---------------------|---------------------|-----------|',
        '| sha256:a | v2,latest | image |         | 2026/05/01 08:30:00 | 2026/05/02 00:00:00 | 2026/05/01 08:30:00 | RETAIN    |',
        '| sha256:b | v1        | image | qa,prod | 2026/05/01 08:30:00 |                     | 2026/05/01 08:30:00 | DEL       |',
        '| sha256:c | release-1 | image |         | 2026/05/01 08:30:00 |                     | 2026/05/01 08:30:00 | IMMUTABLE |',
        '| sha256:d |           | image |         | 2026/05/01 08:30:00 |                     | 2026/05/01 08:30:00 | DEL       |',
      ].join('\n'),
    );
  });

  it('adds a row for each tag a per-tag rule deletes, or keeps as immutable, while its artifact stays', () => {
    const rows = retentionLogTable([decision('sha256:e', 'RETAIN', [['fresh', 'RETAIN'], ['stale', 'DEL']]), decision('sha256:f', 'IMMUTABLE', [['release-2', 'IMMUTABLE'], ['tmp', 'DEL']])])
      .split('\n')
      .slice(2)
      .map((row) => row.split('|').map((cell) => cell.trim()))
      .map((cells) => [cells[1], cells[2], cells[8]]);
    assert.deepEqual(rows, [
      ['sha256:e', 'fresh,stale', 'RETAIN'],
      ['sha256:e', 'stale', 'DEL'],
      ['sha256:f', 'release-2,tmp', 'IMMUTABLE'],
      ['sha256:f', 'tmp', 'DEL'],
    ]);
  });
});
