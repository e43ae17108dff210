import type { ProgressFactory } from "../../lib/progress.ts";
import type { SyncLog } from "../log.ts";
import type { GarbageCollection } from "../store/gc.ts";

export type SyncMode = "full" | "incremental";

/** How rows reach D1: its query API into the serving databases, or its import API into the standbys. */
export type LoadKind = "query" | "import";
export const LOAD_CHOICES = ["auto", "query", "import"] as const;
export type LoadChoice = (typeof LOAD_CHOICES)[number];

export interface SyncSettings {
  readonly mode: SyncMode;
  /** Completed versions kept per feature schema, the active one included. */
  readonly keep: number;
  /** Clients per source page, and at most per write request. */
  readonly pageSize: number;
  /** Write requests open at once. */
  readonly maxInFlight: number;
  readonly leaseTtlMs: number;
  readonly holder: string;
  /** Seconds a superseded version is kept beyond `keep` (sync/settings.ts). */
  readonly gcGraceSeconds: number;
  /** auto: the import API for a remote full sync into a layout with standbys, else the query API. */
  readonly load: LoadChoice;
  /** Import files are cut at this many bytes. */
  readonly importFileBytes: number;
}

export interface SyncIo {
  readonly progress: ProgressFactory;
  readonly log: SyncLog;
  /** Aborting stops the run before its next write; nothing is activated. */
  readonly signal?: AbortSignal;
}

/** An incremental run's comparison of the source with the version it builds on. */
export interface SyncChanges {
  readonly updated: number;
  readonly added: number;
  readonly removed: number;
  readonly unchanged: number;
}

/** One shard's part of a run. */
export interface ShardReport {
  readonly shard: number;
  /** The binding written (DB_SHARD_2, or its standby for an import). */
  readonly database: string;
  readonly rows: number;
  readonly checksum: string;
  readonly written: number;
  readonly copied: number;
}

/** What `credit-edge sync --json` prints. */
export interface SyncReport {
  /** "unchanged": an incremental run found nothing to change, and the active version stays. */
  readonly outcome: "activated" | "unchanged";
  readonly version: number | null;
  readonly previousVersion: number | null;
  readonly schemaHash: string;
  readonly mode: SyncMode;
  readonly source: string;
  readonly target: string;
  readonly rows: number;
  readonly checksum: string;
  /** Set when the run finished a version an earlier run had started. */
  readonly resumed: { readonly version: number; readonly rowsPresent: number } | null;
  /** Rows this run inserted, and (incremental) copied forward from the base version. */
  readonly written: number;
  readonly copied: number;
  readonly changes: SyncChanges | null;
  readonly seconds: number;
  readonly clientsPerSecond: number;
  readonly gc: GarbageCollection | null;
  readonly tookOverLeaseFrom: string | null;
  /** How rows were loaded. */
  readonly load: LoadKind;
  /** Per shard, in shard order (one entry in the one-database layout); rows and checksums add up to the totals. */
  readonly shards: readonly ShardReport[];
  /** HTTP requests made to D1 (query API, import API), retries included. */
  readonly calls: { readonly query: number; readonly import: number };
}
