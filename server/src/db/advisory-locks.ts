/**
 * Advisory locks several features share, in PostgreSQL's two-int4 key space
 * (which never meets the bigint keys of the per-digest locks,
 * hashtextextended(digest, 0)).
 *
 * BACKUP_FENCE: `berth backup` holds it shared, on its own session, from
 * before its snapshot until every blob the snapshot lists is copied; while
 * any session holds it (pg_locks), garbage collection's sweep deletes no bytes
 * (its rows stay 'deleting' for the next run). Backups may overlap one another.
 *
 * SWEEPING: every sweep transaction holds it shared, so sweeps (a run's
 * workers, other replicas' runs) never exclude one another; a backup, once it
 * holds the fence, takes it exclusively for an instant — waiting for the
 * sweeps in progress to commit — before its snapshot, so the snapshot never
 * lists bytes being deleted. A sweep that starts after that sees the fence.
 * (One key in two modes cannot do both: a sweep taking the fence exclusively
 * made a run's parallel workers defer one another's blobs as if a backup ran.)
 */
export const BACKUP_FENCE = { space: 0x42455254, key: 1 } as const;
export const SWEEPING = { space: 0x42455254, key: 2 } as const;
