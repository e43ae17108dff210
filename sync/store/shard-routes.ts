import { type SQL, sql } from "drizzle-orm";
import { shardRoutes } from "../../online-store/schema.ts";
import type { TargetDatabase, TargetShard } from "../target/d1-target.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import { SYNC_LEASE } from "./lease.ts";
import { D1_NOW_ISO, D1_NOW_MS, type LeaseGuard } from "./lease-guard.ts";

/** Which database of a shard serves, as the control database's shard_routes says (no row: the primary). */
export interface ShardRoute {
  readonly shard: number;
  readonly serving: "primary" | "standby";
  readonly featureSetId: number | null;
  readonly flippedAt: string | null;
  /** The database not serving stopped serving more than the grace period ago (or never served). */
  readonly idleLongEnough: boolean;
}

export async function readRoutes(
  control: OnlineStoreDb,
  shardCount: number,
  graceSeconds: number,
): Promise<ShardRoute[]> {
  const rows = await control
    .select({
      shard: shardRoutes.shard,
      serving: shardRoutes.serving,
      featureSetId: shardRoutes.featureSetId,
      flippedAt: shardRoutes.flippedAt,
      idle: sql<number>`(${shardRoutes.flippedAt} <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`-${graceSeconds} seconds`}))`,
    })
    .from(shardRoutes);
  const byShard = new Map(rows.map((r) => [r.shard, r]));
  return Array.from({ length: shardCount }, (_, shard) => {
    const row = byShard.get(shard);
    return row
      ? {
          shard,
          serving: row.serving,
          featureSetId: row.featureSetId,
          flippedAt: row.flippedAt,
          idleLongEnough: Number(row.idle) === 1,
        }
      : { shard, serving: "primary" as const, featureSetId: null, flippedAt: null, idleLongEnough: true };
  });
}

/** The database of a shard that serves now. */
export function servingDatabase(shard: TargetShard, route: ShardRoute | undefined): TargetDatabase {
  return route?.serving === "standby" && shard.standby ? shard.standby : shard.primary;
}

/** The database of a shard that does not serve: where a bulk import may go. */
export function idleDatabase(shard: TargetShard, route: ShardRoute | undefined): TargetDatabase | null {
  if (!shard.standby) return null;
  return route?.serving === "standby" ? shard.primary : shard.standby;
}

/**
 * Point every shard at the database it was just loaded into, in one statement per shard inside one batch
 * (one transaction), only while this holder's lease is live by D1's clock. Returns the statements for the
 * caller to batch with the version record's activation.
 */
export function flipStatements(
  control: OnlineStoreDb,
  flips: readonly { shard: number; serving: "primary" | "standby"; featureSetId: number }[],
  guard: LeaseGuard,
): SQL[] {
  const held = sql`EXISTS (SELECT 1 FROM sync_leases WHERE name = ${SYNC_LEASE} AND holder = ${guard.params[1]} AND expires_at > ${sql.raw(D1_NOW_MS)})`;
  void control;
  return flips.map(
    (f) => sql`INSERT INTO ${shardRoutes} (shard, serving, feature_set_id, flipped_at)
      SELECT ${f.shard}, ${f.serving}, ${f.featureSetId}, ${sql.raw(D1_NOW_ISO)} WHERE ${held}
      ON CONFLICT (shard) DO UPDATE SET serving = excluded.serving, feature_set_id = excluded.feature_set_id,
        flipped_at = CASE WHEN shard_routes.serving = excluded.serving THEN shard_routes.flipped_at ELSE excluded.flipped_at END`,
  );
}
