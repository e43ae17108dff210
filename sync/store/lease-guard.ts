/**
 * D1's own clock and the lease test in SQL, so every time comparison of the sync happens in the database
 * (one clock for every host), never on the syncing host's clock.
 */

/** D1's time, epoch milliseconds (SQLite's unixepoch with sub-second precision). */
export const D1_NOW_MS = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/** D1's time as the ISO-8601 text the tables keep (2026-12-01T03:17:00.123Z). */
export const D1_NOW_ISO = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** True while the lease named by the first parameter is held by the holder in the second, by D1's clock. */
export const LEASE_HELD_BY = `EXISTS (SELECT 1 FROM sync_leases WHERE name = ? AND holder = ? AND expires_at > ${D1_NOW_MS})`;

/**
 * How a write on some database proves the lease is still this run's: in SQL, in the same statement, when
 * the lease lives in that database (`inThisDatabase`, params for LEASE_HELD_BY); otherwise by `check()`,
 * a read of the control database right before the write. Call check() before every guarded write.
 */
export interface LeaseGuard {
  readonly inThisDatabase: boolean;
  readonly params: readonly [string, string];
  check(): Promise<void>;
}
