/**
 * Advisory locks several features share, in PostgreSQL's two-int4 key space
 * (which never meets the bigint keys of the per-digest locks,
 * hashtextextended(digest, 0)).
 *
 * BACKUP_FENCE: `berth backup` holds it shared, on its own session, from
 * before its snapshot until every blob the snapshot lists is copied; garbage
 * collection's sweep takes it with pg_try_advisory_xact_lock and, while a
 * backup holds it, deletes no bytes (its rows stay 'deleting' for the next
 * run). Backups may overlap one another; a sweep in progress makes a backup
 * wait until it commits, so the snapshot never lists bytes being deleted.
 */
export const BACKUP_FENCE = { space: 0x42455254, key: 1 } as const;
