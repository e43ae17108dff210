import { desc, eq } from "drizzle-orm";
import { activeFeatureSets, featureSets } from "../online-store/schema.ts";
import { currentLease } from "./store/lease.ts";
import { readRoutes, servingDatabase } from "./store/shard-routes.ts";
import type { D1Target, TargetDatabase } from "./target/d1-target.ts";
import { assertMigrationsApplied } from "./target/migrations.ts";
import { onlineStoreDb } from "./target/online-store-db.ts";

/** One shard's share of the active version. */
export interface ShardStatus {
  readonly shard: number;
  /** The version's rows on that shard. */
  readonly rows: number | null;
  /** The serving database's size on disk (D1's size_after), every version it keeps included. */
  readonly bytes: number | null;
}

/** `credit-edge sync status --json`: these keys are the contract (snake_case, as the tables name them). */
export interface ActiveStatus {
  readonly version: number;
  readonly rows: number | null;
  readonly schema_hash: string;
  readonly activated_at: string;
  readonly checksum: string | null;
  readonly features_as_of: string;
  /** In shard order; one entry in the one-database layout. */
  readonly shards: readonly ShardStatus[];
  /**
   * Bytes on disk per stored client-version: the serving databases' total size over the client rows they
   * hold (every kept version counts, as each takes its space). What D1's 10 GB per database is spent on.
   */
  readonly bytes_per_client: number | null;
}

export interface VersionStatus {
  readonly version: number;
  readonly schema_hash: string;
  readonly status: "loading" | "ready" | "retired";
  readonly active: boolean;
  readonly mode: "full" | "incremental";
  readonly base_version: number | null;
  /** Verified row count; for a version still loading, the rows written so far. */
  readonly rows: number | null;
  readonly expected_rows: number | null;
  readonly checksum: string | null;
  readonly changed_rows: number | null;
  readonly source: string;
  readonly features_as_of: string;
  readonly created_at: string;
  readonly completed_at: string | null;
  readonly activated_at: string | null;
  readonly superseded_at: string | null;
}

export interface LeaseStatus {
  readonly holder: string;
  readonly acquired_at: string;
  readonly expires_at: string;
  /** By D1's clock. */
  readonly expired: boolean;
}

export interface LayoutStatus {
  readonly shards: number;
  readonly standby: boolean;
  /** Per shard, the binding of the database serving it. */
  readonly serving: readonly string[];
}

export interface SyncStatus {
  readonly target: string;
  /** The most recently activated version; every schema's is in active_by_schema. */
  readonly active: ActiveStatus | null;
  readonly active_by_schema: readonly ActiveStatus[];
  /** Newest first. */
  readonly versions: readonly VersionStatus[];
  readonly lease: LeaseStatus | null;
  readonly layout: LayoutStatus;
}

async function countRows(database: TargetDatabase, featureSetId: number): Promise<number> {
  const counted = await database.client.query(
    `SELECT COUNT(*) FROM client_vectors WHERE feature_set_id = ${Number(featureSetId)}`,
  );
  return Number(counted.rows[0]?.[0] ?? 0);
}

export async function readSyncStatus(target: D1Target, graceSeconds = 0): Promise<SyncStatus> {
  await assertMigrationsApplied(target);
  const control = onlineStoreDb(target.control.client);
  const versions = await control.select().from(featureSets).orderBy(desc(featureSets.id));
  const routes = target.layout.standby ? await readRoutes(control, target.shards.length, graceSeconds) : [];
  const serving = target.shards.map((s) => servingDatabase(s, routes[s.shard]));
  const loadingRows = new Map<number, number>();
  for (const v of versions.filter((v) => v.status === "loading")) {
    let rows = 0;
    // A version still loading may be in the serving databases or (an import) in the standbys.
    for (const s of target.shards) {
      rows += await countRows(s.primary, v.id);
      if (s.standby) rows += await countRows(s.standby, v.id);
    }
    loadingRows.set(v.id, rows);
  }
  // Per serving database: its size, and how many client-version rows it holds.
  const perShard = await Promise.all(
    serving.map(async (database) => {
      const db = onlineStoreDb(database.client);
      const sets = await db
        .select({ id: featureSets.id, rowCount: featureSets.rowCount, status: featureSets.status })
        .from(featureSets);
      let stored = 0;
      const rowsOf = new Map<number, number | null>();
      for (const set of sets) {
        const rows =
          set.status === "loading" || set.rowCount === null
            ? await countRows(database, set.id)
            : set.rowCount;
        rowsOf.set(set.id, set.rowCount);
        stored += rows;
      }
      return { bytes: await database.client.databaseBytes(), stored, rowsOf };
    }),
  );
  const totalBytes = perShard.every((s) => s.bytes !== null)
    ? perShard.reduce((n, s) => n + s.bytes!, 0)
    : null;
  const totalStored = perShard.reduce((n, s) => n + s.stored, 0);
  const byId = new Map(versions.map((v) => [v.id, v]));
  const activeByActivation = await control
    .select({ id: featureSets.id, activatedAt: activeFeatureSets.activatedAt })
    .from(activeFeatureSets)
    .innerJoin(featureSets, eq(featureSets.id, activeFeatureSets.featureSetId))
    .orderBy(desc(activeFeatureSets.activatedAt));
  const activeIds = new Set(activeByActivation.map((a) => a.id));
  const activeBySchema: ActiveStatus[] = activeByActivation.flatMap(({ id, activatedAt }) => {
    const v = byId.get(id);
    return v
      ? [
          {
            version: v.id,
            rows: v.rowCount,
            schema_hash: v.schemaHash,
            activated_at: activatedAt,
            checksum: v.checksum,
            features_as_of: v.featuresAsOf,
            shards: perShard.map((s, shard) => ({ shard, rows: s.rowsOf.get(v.id) ?? null, bytes: s.bytes })),
            bytes_per_client:
              totalBytes !== null && totalStored > 0 ? Math.round(totalBytes / totalStored) : null,
          },
        ]
      : [];
  });
  const lease = await currentLease(target.control.client);
  return {
    target: target.description,
    active: activeBySchema[0] ?? null,
    active_by_schema: activeBySchema,
    versions: versions.map((v) => ({
      version: v.id,
      schema_hash: v.schemaHash,
      status: v.status,
      active: activeIds.has(v.id),
      mode: v.mode,
      base_version: v.baseId,
      rows: v.status === "loading" ? (loadingRows.get(v.id) ?? 0) : v.rowCount,
      expected_rows: v.expectedRows,
      checksum: v.checksum,
      changed_rows: v.changedRows,
      source: v.source,
      features_as_of: v.featuresAsOf,
      created_at: v.createdAt,
      completed_at: v.completedAt,
      activated_at: v.activatedAt,
      superseded_at: v.supersededAt,
    })),
    lease: lease
      ? {
          holder: lease.holder,
          acquired_at: lease.acquiredAt,
          expires_at: new Date(lease.expiresAt).toISOString(),
          expired: lease.expired,
        }
      : null,
    layout: {
      shards: target.shards.length,
      standby: target.layout.standby,
      serving: serving.map((d) => d.binding),
    },
  };
}
