import { and, desc, eq, inArray, ne, notInArray, sql } from "drizzle-orm";
import { activeFeatureSets, featureSets, syncLeases } from "../../online-store/schema.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import { SYNC_LEASE } from "./lease.ts";

/** A feature set version: one sync run's rows (online-store/schema.ts, feature_sets). */
export type FeatureSetRow = typeof featureSets.$inferSelect;

/** What a run writes: a new version is only ever resumed by a run that would write the same thing. */
export interface VersionSpec {
  readonly schemaHash: string;
  readonly mode: "full" | "incremental";
  readonly baseId: number | null;
  readonly source: string;
  readonly sourceFingerprint: string;
  readonly featuresAsOf: string;
  readonly packedFormat: string;
  readonly historyFeatureCount: number;
  readonly expectedRows: number;
}

const isoNow = () => new Date().toISOString();

export async function activeVersion(
  db: OnlineStoreDb,
  schemaHash: string,
): Promise<FeatureSetRow | undefined> {
  const row = await db
    .select({ featureSet: featureSets })
    .from(activeFeatureSets)
    .innerJoin(featureSets, eq(featureSets.id, activeFeatureSets.featureSetId))
    .where(eq(activeFeatureSets.schemaHash, schemaHash))
    .get();
  return row?.featureSet;
}

/**
 * The newest unfinished version of the same spec: still loading, or verified but not activated (the run died
 * between the two). Resuming it writes only the clients it lacks.
 */
export async function findResumable(
  db: OnlineStoreDb,
  spec: VersionSpec,
): Promise<FeatureSetRow | undefined> {
  const active = db.select({ id: activeFeatureSets.featureSetId }).from(activeFeatureSets);
  return db
    .select()
    .from(featureSets)
    .where(
      and(
        inArray(featureSets.status, ["loading", "ready"]),
        notInArray(featureSets.id, active),
        eq(featureSets.schemaHash, spec.schemaHash),
        eq(featureSets.mode, spec.mode),
        spec.baseId === null ? sql`${featureSets.baseId} IS NULL` : eq(featureSets.baseId, spec.baseId),
        eq(featureSets.source, spec.source),
        eq(featureSets.sourceFingerprint, spec.sourceFingerprint),
        eq(featureSets.packedFormat, spec.packedFormat),
        eq(featureSets.historyFeatureCount, spec.historyFeatureCount),
      ),
    )
    .orderBy(desc(featureSets.id))
    .get();
}

export async function createVersion(db: OnlineStoreDb, spec: VersionSpec): Promise<FeatureSetRow> {
  const [created] = await db
    .insert(featureSets)
    .values({
      schemaHash: spec.schemaHash,
      status: "loading",
      mode: spec.mode,
      ...(spec.baseId === null ? {} : { baseId: spec.baseId }),
      source: spec.source,
      sourceFingerprint: spec.sourceFingerprint,
      featuresAsOf: spec.featuresAsOf,
      packedFormat: spec.packedFormat,
      historyFeatureCount: spec.historyFeatureCount,
      expectedRows: spec.expectedRows,
      createdAt: isoNow(),
    })
    .returning();
  return created!;
}

/**
 * Unfinished versions nobody will resume (another spec's, or older ones of this spec): retired, so status
 * shows them for what they are and garbage collection deletes their rows.
 */
export async function retireAbandoned(db: OnlineStoreDb, keepId: number | null): Promise<number[]> {
  const active = db.select({ id: activeFeatureSets.featureSetId }).from(activeFeatureSets);
  const retired = await db
    .update(featureSets)
    .set({ status: "retired" })
    .where(
      and(
        inArray(featureSets.status, ["loading", "ready"]),
        notInArray(featureSets.id, active),
        keepId === null ? undefined : ne(featureSets.id, keepId),
      ),
    )
    .returning({ id: featureSets.id });
  return retired.map((r) => r.id);
}

export async function retireVersion(db: OnlineStoreDb, id: number): Promise<void> {
  await db.update(featureSets).set({ status: "retired" }).where(eq(featureSets.id, id));
}

export async function markVerified(
  db: OnlineStoreDb,
  id: number,
  verified: { rowCount: number; checksum: string; changedRows: number | null },
): Promise<void> {
  await db
    .update(featureSets)
    .set({
      status: "ready",
      rowCount: verified.rowCount,
      checksum: verified.checksum,
      ...(verified.changedRows === null ? {} : { changedRows: verified.changedRows }),
      completedAt: isoNow(),
    })
    .where(eq(featureSets.id, id));
}

/**
 * Point the schema's active pointer at the version: the single statement readers see change. It runs only
 * while this holder still has the lease (it selects from the lease row), in one transaction with the
 * bookkeeping: the superseded version is retired, the new one stamped. Returns false if the lease was gone.
 */
export async function activateVersion(
  db: OnlineStoreDb,
  version: { id: number; schemaHash: string },
  holder: string,
): Promise<boolean> {
  const activatedAt = isoNow();
  const holding = and(eq(syncLeases.name, SYNC_LEASE), eq(syncLeases.holder, holder));
  const leaseHeld = sql`EXISTS (SELECT 1 FROM ${syncLeases} WHERE ${holding})`;
  const superseded = db
    .select({ id: activeFeatureSets.featureSetId })
    .from(activeFeatureSets)
    .where(
      and(
        eq(activeFeatureSets.schemaHash, version.schemaHash),
        ne(activeFeatureSets.featureSetId, version.id),
      ),
    );
  const retirePrevious = db
    .update(featureSets)
    .set({ status: "retired" })
    .where(and(inArray(featureSets.id, superseded), leaseHeld));
  const flip = db
    .insert(activeFeatureSets)
    .select(
      db
        .select({
          schemaHash: sql<string>`${version.schemaHash}`.as("schema_hash"),
          featureSetId: sql<number>`${version.id}`.as("feature_set_id"),
          activatedAt: sql<string>`${activatedAt}`.as("activated_at"),
        })
        .from(syncLeases)
        .where(holding),
    )
    .onConflictDoUpdate({
      target: activeFeatureSets.schemaHash,
      set: { featureSetId: sql`excluded.feature_set_id`, activatedAt: sql`excluded.activated_at` },
    })
    .returning({ featureSetId: activeFeatureSets.featureSetId });
  const stamp = db
    .update(featureSets)
    .set({ activatedAt })
    .where(and(eq(featureSets.id, version.id), leaseHeld));
  const [, flipped] = await db.batch([retirePrevious, flip, stamp]);
  return flipped.length === 1;
}
