import type { WarehouseKind } from "../../warehouse/warehouse.ts";
import type { VectorRow } from "./vector-row.ts";

/** What the sync exports: every client of the warehouse's snapshot, encoded as D1 stores it. */
export interface SnapshotSource {
  readonly kind: WarehouseKind;
  /** Where the data lives, for messages: a file path or `project.dataset`. */
  readonly location: string;
  readonly schemaHash: string;
  /** When the warehouse built the features (the registry's built_at). */
  readonly featuresAsOf: string;
  /** History feature names in registry order: the packed vector's layout. */
  readonly historyNames: readonly string[];
  readonly stats: SnapshotStats;
  /** Identifies this snapshot: a run resumes only onto a version written from the same one. */
  readonly fingerprint: string;
  /**
   * Every client once, in pages of at most `pageSize`, in no particular order (an ORDER BY would make the
   * warehouse sort the whole wide table); never the whole table in memory.
   */
  rows(pageSize: number): AsyncIterable<readonly VectorRow[]>;
  close(): Promise<void>;
}

export interface SnapshotStats {
  readonly clients: number;
  readonly minClientId: number | null;
  readonly maxClientId: number | null;
}
