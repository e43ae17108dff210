import type { TargetDatabase, TargetShard } from "../target/d1-target.ts";
import { type OnlineStoreDb, onlineStoreDb } from "../target/online-store-db.ts";

/** One shard's database as a run uses it: the one serving (query loads) or the idle standby (imports). */
export interface ShardDatabase {
  readonly shard: number;
  readonly database: TargetDatabase;
  readonly db: OnlineStoreDb;
  /** The control database itself (the one-database layout): the lease is in its own SQL. */
  readonly isControl: boolean;
  /** Which of the shard's two databases this is. */
  readonly role: "primary" | "standby";
}

export function shardDatabase(
  shard: TargetShard,
  database: TargetDatabase,
  control: TargetDatabase,
): ShardDatabase {
  return {
    shard: shard.shard,
    database,
    db: onlineStoreDb(database.client),
    isControl: database.binding === control.binding,
    role: database === shard.standby ? "standby" : "primary",
  };
}
