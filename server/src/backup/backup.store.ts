import type { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { BACKUP_FENCE, SWEEPING } from '../db/advisory-locks.ts';

export interface TableInfo {
  name: string;
  /** Other tables its foreign keys point to. */
  references: string[];
}

/**
 * The SQL of backup and restore, on one dedicated session (COPY streams need
 * a connection of their own, outside the pool's timeouts). Berth's tables are
 * those of schema public but Kysely's migration bookkeeping, which the
 * migrations themselves write; pg-boss's schema is rebuilt by pg-boss.
 */
export class BackupStore {
  readonly #client: pg.Client;

  constructor(client: pg.Client) {
    this.#client = client;
  }

  async tables(): Promise<TableInfo[]> {
    const { rows } = await this.#client.query<{ name: string; references: string[] }>(`
      SELECT c.relname::text AS name,
             COALESCE(array_agg(DISTINCT r.relname::text) FILTER (WHERE r.relname IS NOT NULL AND r.relname <> c.relname), '{}'::text[]) AS references
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
      LEFT JOIN pg_class r ON r.oid = k.confrelid
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('kysely_migration', 'kysely_migration_lock')
      GROUP BY c.relname ORDER BY c.relname`);
    return rows;
  }

  /** How many tables schema public holds, Kysely's included: 0 on a database nothing was installed in. */
  async countTables(): Promise<number> {
    const { rows } = await this.#client.query<{ count: string }>(`SELECT count(*) AS count FROM pg_tables WHERE schemaname = 'public'`);
    return Number(rows[0]!.count);
  }

  /** The migrations applied, in order: the schema's name. */
  async appliedMigrations(): Promise<string[]> {
    const { rows } = await this.#client.query<{ name: string }>(`SELECT name FROM kysely_migration ORDER BY name`);
    return rows.map((r) => r.name);
  }

  /** Held for the whole backup, from before its snapshot (see db/advisory-locks.ts); then waits for the sweeps in progress. */
  async holdBackupFence(): Promise<void> {
    await this.#client.query('SELECT pg_advisory_lock_shared($1::int, $2::int)', [BACKUP_FENCE.space, BACKUP_FENCE.key]);
    await this.#client.query('SELECT pg_advisory_lock($1::int, $2::int)', [SWEEPING.space, SWEEPING.key]);
    await this.#client.query('SELECT pg_advisory_unlock($1::int, $2::int)', [SWEEPING.space, SWEEPING.key]);
  }

  async releaseBackupFence(): Promise<void> {
    await this.#client.query('SELECT pg_advisory_unlock_shared($1::int, $2::int)', [BACKUP_FENCE.space, BACKUP_FENCE.key]);
  }

  /** One snapshot for every table the backup reads: what they held together at one instant. */
  async beginSnapshot(): Promise<void> {
    await this.#client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  }

  async begin(): Promise<void> {
    await this.#client.query('BEGIN');
  }

  async commit(): Promise<void> {
    await this.#client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.#client.query('ROLLBACK');
  }

  /** The table's rows in COPY text format; its rowCount is set once it ended. */
  copyOut(table: string): Readable & { rowCount: number } {
    return this.#client.query(copyTo(`COPY ${this.#client.escapeIdentifier(table)} TO STDOUT`));
  }

  /** The blobs whose bytes the snapshot relies on ("<digest>\t<size>" lines, digest order); 'deleting' ones are garbage already. */
  copyOutLiveBlobs(): Readable {
    return this.#client.query(copyTo(`COPY (SELECT digest, size FROM blob WHERE state = 'live' ORDER BY digest) TO STDOUT`));
  }

  copyIn(table: string): Writable & { rowCount: number } {
    return this.#client.query(copyFrom(`COPY ${this.#client.escapeIdentifier(table)} FROM STDIN`));
  }

  /** Empties the tables (rows the migrations seeded, such as the library project) before the backup's rows go in. */
  async truncate(tables: string[]): Promise<void> {
    if (tables.length === 0) return;
    await this.#client.query(`TRUNCATE ${tables.map((t) => this.#client.escapeIdentifier(t)).join(', ')} RESTART IDENTITY CASCADE`);
  }

  /** Every sequence behind a serial or identity column of schema public set past the largest value loaded. */
  async resetSequences(): Promise<void> {
    const { rows } = await this.#client.query<{ sequence: string; table: string; column: string }>(`
      SELECT pg_get_serial_sequence(format('%I', c.relname), a.attname) AS sequence, c.relname AS table, a.attname AS column
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        AND pg_get_serial_sequence(format('%I', c.relname), a.attname) IS NOT NULL`);
    for (const row of rows) {
      const table = this.#client.escapeIdentifier(row.table);
      const column = this.#client.escapeIdentifier(row.column);
      await this.#client.query(`SELECT setval($1::regclass, COALESCE((SELECT max(${column}) FROM ${table}), 0) + 1, false)`, [row.sequence]);
    }
  }
}

/** Tables ordered so that each comes after those its foreign keys point to (COPY FROM checks them as it goes). */
export function loadOrder(tables: TableInfo[]): string[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`foreign keys form a cycle: ${[...path, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const target of byName.get(name)?.references ?? []) if (byName.has(target)) visit(target, [...path, name]);
    state.set(name, 'done');
    ordered.push(name);
  };
  for (const table of tables) visit(table.name, []);
  return ordered;
}
