import { desc, eq } from "drizzle-orm";
import { activeFeatureSets, featureSets } from "../online-store/schema.ts";
import { currentLease } from "./store/lease.ts";
import type { D1Target } from "./target/d1-target.ts";
import { assertMigrationsApplied } from "./target/migrations.ts";
import { onlineStoreDb } from "./target/online-store-db.ts";

/** `credit-edge sync status --json`: these keys are the contract (snake_case, as the tables name them). */
export interface ActiveStatus {
  readonly version: number;
  readonly rows: number | null;
  readonly schema_hash: string;
  readonly activated_at: string;
  readonly checksum: string | null;
  readonly features_as_of: string;
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
}

export interface LeaseStatus {
  readonly holder: string;
  readonly acquired_at: string;
  readonly expires_at: string;
  readonly expired: boolean;
}

export interface SyncStatus {
  readonly target: string;
  /** The most recently activated version; every schema's is in active_by_schema. */
  readonly active: ActiveStatus | null;
  readonly active_by_schema: readonly ActiveStatus[];
  /** Newest first. */
  readonly versions: readonly VersionStatus[];
  readonly lease: LeaseStatus | null;
}

export async function readSyncStatus(target: D1Target, now = Date.now()): Promise<SyncStatus> {
  await assertMigrationsApplied(target);
  const db = onlineStoreDb(target.client);
  const versions = await db.select().from(featureSets).orderBy(desc(featureSets.id));
  const loadingRows = new Map<number, number>();
  for (const v of versions.filter((v) => v.status === "loading")) {
    const counted = await target.client.query(
      `SELECT COUNT(*) FROM client_vectors WHERE feature_set_id = ${Number(v.id)}`,
    );
    loadingRows.set(v.id, Number(counted.rows[0]?.[0] ?? 0));
  }
  const byId = new Map(versions.map((v) => [v.id, v]));
  const activeByActivation = await db
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
          },
        ]
      : [];
  });
  const lease = await currentLease(db);
  return {
    target: target.client.description,
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
    })),
    lease: lease
      ? {
          holder: lease.holder,
          acquired_at: lease.acquiredAt,
          expires_at: new Date(lease.expiresAt).toISOString(),
          expired: lease.expiresAt < now,
        }
      : null,
  };
}
