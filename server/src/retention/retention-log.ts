import type { RetentionAction, RetentionDecision } from './retention-engine.ts';

/** What a run did with an artifact or tag: the decision, or ERR when its deletion failed. */
export type RetentionOutcome = RetentionAction | 'ERR';

/** A decision as a run carried it out (a dry run: as decided). */
export type RetentionResult = Omit<RetentionDecision, 'action' | 'tags'> & { action: RetentionOutcome; tags: { name: string; action: RetentionOutcome }[] };

const HEADER = ['Digest', 'Tag', 'Kind', 'Labels', 'PushedTime', 'PulledTime', 'CreatedTime', 'Retention'];

/** Harbor's "2006/01/02 15:04:05" (UTC here); empty for a time that never was. */
function time(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return '';
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '/')} ${iso.slice(11, 19)}`;
}

/**
 * A repository's retention decisions as the table Harbor's retention task
 * logs (Digest, Tag, Kind, Labels, PushedTime, PulledTime, CreatedTime,
 * Retention: RETAIN, DEL, IMMUTABLE — ERR is the run's, for a deletion that
 * failed): one row per artifact; with per-tag rules, one more row for each
 * tag deleted or kept as immutable on its own while the artifact stays.
 */
export function retentionLogTable(decisions: readonly RetentionResult[]): string {
  const rows: string[][] = [];
  for (const decision of decisions) {
    const { artifact } = decision;
    const cells = (tags: string, action: string) => [artifact.digest, tags, artifact.kind, artifact.labels.join(','), time(decision.pushedTime), time(decision.pulledTime), time(Math.floor(artifact.pushedAt / 1000)), action];
    rows.push(cells(decision.tags.map((tag) => tag.name).join(','), decision.action));
    for (const tag of decision.tags) {
      if (tag.action !== 'RETAIN' && tag.action !== decision.action) rows.push(cells(tag.name, tag.action));
    }
  }
  const widths = HEADER.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}
