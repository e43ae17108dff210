import { and, desc, eq, inArray, ne, notInArray, type SQL, sql } from "drizzle-orm";
import { activeFeatureSets, featureSets } from "../../online-store/schema.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import { SYNC_LEASE } from "./lease.ts";
import { D1_NOW_ISO, D1_NOW_MS, type LeaseGuard } from "./lease-guard.ts";

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
  /** Shards of the layout written: a run for another layout never resumes this one. */
  readonly shardCount: number;
}

/*
 * Why each write here is safe to retry when its first attempt landed but its answer was lost: creating a
 * version inserts only if this run (created_by) has none yet, then reads its own; a shard's copy inserts
 * with the record's id or does nothing; status updates set fixed values; activation re-points to the same
 * version (the previous one was already retired by the first attempt; activated_at moves by the retry's
 * delay).
 */

const isoNow = sql.raw(D1_NOW_ISO);

/** The guard as SQL: the lease held by its holder, by D1's clock (only for the lease's own database). */
function leaseHeld(guard: LeaseGuard): SQL {
  return sql`EXISTS (SELECT 1 FROM sync_leases WHERE name = ${SYNC_LEASE} AND holder = ${guard.params[1]} AND expires_at > ${sql.raw(D1_NOW_MS)})`;
}

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

export async function versionById(db: OnlineStoreDb, id: number): Promise<FeatureSetRow | undefined> {
  return db.select().from(featureSets).where(eq(featureSets.id, id)).get();
}

/**
 * The newest unfinished version of the same spec: still loading, or verified but not activated (the run died
 * between the two). Resuming it writes only the clients it lacks, and rewrites those that differ.
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
        eq(featureSets.shardCount, spec.shardCount),
      ),
    )
    .orderBy(desc(featureSets.id))
    .get();
}

/**
 * The version's record in the control database, created while (and only while) this run holds the lease.
 * `shard` is 0 when the control database is the one shard (its record is then also the shard's copy).
 */
export async function createVersion(
  db: OnlineStoreDb,
  spec: VersionSpec,
  guard: LeaseGuard,
  shard: number | null,
): Promise<FeatureSetRow> {
  const holder = guard.params[1];
  const mine = and(eq(featureSets.createdBy, holder), eq(featureSets.status, "loading"));
  await db.run(sql`INSERT INTO ${featureSets} (schema_hash, status, mode, base_id, source, source_fingerprint,
    features_as_of, packed_format, history_feature_count, expected_rows, created_at, shard, shard_count, created_by)
    SELECT ${spec.schemaHash}, 'loading', ${spec.mode}, ${spec.baseId}, ${spec.source}, ${spec.sourceFingerprint},
      ${spec.featuresAsOf}, ${spec.packedFormat}, ${spec.historyFeatureCount}, ${spec.expectedRows}, ${isoNow},
      ${shard}, ${spec.shardCount}, ${holder}
    WHERE ${leaseHeld(guard)} AND NOT EXISTS (SELECT 1 FROM ${featureSets} WHERE ${mine})`);
  const created = await db.select().from(featureSets).where(mine).orderBy(desc(featureSets.id)).get();
  if (!created) throw new Error("the version was not created: the lease was lost");
  return created;
}

/** A shard's copy of a version record: the same id, stamped with the shard. Does nothing if present. */
export async function copyVersionToShard(
  db: OnlineStoreDb,
  record: FeatureSetRow,
  shard: number,
): Promise<void> {
  await db
    .insert(featureSets)
    .values({
      ...record,
      status: "loading",
      rowCount: null,
      checksum: null,
      changedRows: null,
      completedAt: null,
      activatedAt: null,
      supersededAt: null,
      shard,
    })
    .onConflictDoNothing();
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

/** Back to loading (a shard that failed verification): the next run resumes and repairs it. */
export async function reopenVersion(db: OnlineStoreDb, id: number): Promise<void> {
  await db
    .update(featureSets)
    .set({ status: "loading", rowCount: null, checksum: null, completedAt: null })
    .where(and(eq(featureSets.id, id), ne(featureSets.status, "retired")));
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
      completedAt: sql`${isoNow}`,
    })
    .where(eq(featureSets.id, id));
}

/**
 * Point the schema's active pointer on this database at the version: the single statement readers see
 * change. It flips only to a version that exists here and was verified (status ready), and, when the lease
 * lives in this database, only while this holder's lease is live by D1's clock; in one transaction with the
 * bookkeeping: the superseded version is retired and stamped superseded_at (D1's clock, which garbage
 * collection's grace period counts from), the new one stamped activated at the pointer's own moment. Returns false if nothing flipped
 * (the version is missing or unverified here, or the lease was gone).
 */
export async function activateVersion(
  db: OnlineStoreDb,
  version: { id: number; schemaHash: string },
  guard: LeaseGuard,
): Promise<boolean> {
  const eligible = and(
    sql`EXISTS (SELECT 1 FROM ${featureSets} WHERE ${featureSets.id} = ${version.id} AND ${featureSets.status} = 'ready')`,
    guard.inThisDatabase ? leaseHeld(guard) : undefined,
  );
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
    .set({ status: "retired", supersededAt: sql`${isoNow}` })
    .where(and(inArray(featureSets.id, superseded), eligible));
  const flip = db
    .insert(activeFeatureSets)
    .select(
      db
        .select({
          schemaHash: sql<string>`${version.schemaHash}`.as("schema_hash"),
          featureSetId: sql<number>`${version.id}`.as("feature_set_id"),
          activatedAt: sql<string>`${isoNow}`.as("activated_at"),
        })
        .from(sql`(SELECT 1)`)
        .where(eligible),
    )
    .onConflictDoUpdate({
      target: activeFeatureSets.schemaHash,
      set: { featureSetId: sql`excluded.feature_set_id`, activatedAt: sql`excluded.activated_at` },
    })
    .returning({ featureSetId: activeFeatureSets.featureSetId });
  // The version's own stamp is copied from the pointer's: D1's clock moves between the batch's statements, and
  // the two must name one moment.
  const stamp = db
    .update(featureSets)
    .set({
      activatedAt: sql`(SELECT ${activeFeatureSets.activatedAt} FROM ${activeFeatureSets} WHERE ${activeFeatureSets.schemaHash} = ${version.schemaHash} AND ${activeFeatureSets.featureSetId} = ${version.id})`,
    })
    .where(and(eq(featureSets.id, version.id), eligible));
  const [, flipped] = await db.batch([retirePrevious, flip, stamp]);
  return flipped.length === 1;
}
