import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { activeFeatureSets, featureSets } from "../../online-store/schema.ts";
import type { D1Client } from "../target/d1-client.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import { LeaseLostError, SYNC_LEASE } from "./lease.ts";
import { D1_NOW_MS, type LeaseGuard } from "./lease-guard.ts";
import { deleteChunkStatements } from "./vector-statements.ts";

/** Rows deleted per statement: a few tens of MB of pages, well inside D1's 30 s per query. */
const DELETE_CHUNK_ROWS = 5_000;

export interface GarbageCollection {
  readonly deletedVersions: number[];
  /** Feature set ids that had rows but no feature_sets row (left by an interrupted deletion elsewhere). */
  readonly orphanSets: number[];
  /** Superseded versions beyond `keep` whose grace period has not ended: deleted by a later run. */
  readonly inGrace: number[];
}

export interface GcSettings {
  /** Completed versions kept per feature schema, the active one included. */
  readonly keep: number;
  /** A version the active pointer moved off is kept this long (replicas, caches still reading it). */
  readonly graceSeconds: number;
}

/**
 * One database's collection. Per feature schema, keep the active version, the newest completed ones up to
 * `keep` in all, and every version superseded less than the grace period ago (D1's clock); delete every
 * other version (superseded, failed, abandoned): rows first, then its feature_sets row, so an interruption
 * leaves a row that the next collection finishes. Then delete rows of any feature set id without a
 * feature_sets row.
 *
 * Every write re-checks the lease first (in its own SQL where the lease lives in this database, by a read
 * of the control database otherwise), and no delete touches a version active here: a collector that lost
 * its lease to a newer sync stops instead of deleting that sync's version (issue 11, section 4).
 */
export async function collectGarbage(
  db: OnlineStoreDb,
  client: D1Client,
  settings: GcSettings,
  guard: LeaseGuard,
): Promise<GarbageCollection> {
  if (!Number.isSafeInteger(settings.graceSeconds) || settings.graceSeconds < 0)
    throw new Error(`not a grace period: ${settings.graceSeconds}`);
  const graceEnds = `-${settings.graceSeconds} seconds`;
  const versions = await db
    .select({
      id: featureSets.id,
      schemaHash: featureSets.schemaHash,
      completedAt: featureSets.completedAt,
      inGrace: sql<number>`(${featureSets.supersededAt} IS NOT NULL AND ${featureSets.supersededAt} > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${graceEnds}))`,
    })
    .from(featureSets);
  const active = new Set((await db.select().from(activeFeatureSets)).map((a) => a.featureSetId));
  const kept = new Set<number>(active);
  const bySchema = new Map<string, (typeof versions)[number][]>();
  for (const v of versions) bySchema.set(v.schemaHash, [...(bySchema.get(v.schemaHash) ?? []), v]);
  for (const group of bySchema.values()) {
    const completed = group.filter((v) => v.completedAt !== null).sort((a, b) => b.id - a.id);
    const keptHere = completed.filter((v) => active.has(v.id)).length;
    for (const v of completed
      .filter((v) => !active.has(v.id))
      .slice(0, Math.max(0, settings.keep - keptHere)))
      kept.add(v.id);
  }
  const inGrace = versions.filter((v) => !kept.has(v.id) && Number(v.inGrace) === 1).map((v) => v.id);
  for (const id of inGrace) kept.add(id);
  const doomed = versions.filter((v) => !kept.has(v.id)).map((v) => v.id);
  const held = guarded(guard);
  const notActive = (id: number) =>
    sql`NOT EXISTS (SELECT 1 FROM ${activeFeatureSets} WHERE ${activeFeatureSets.featureSetId} = ${id})`;
  if (doomed.length > 0) {
    // Retired first: if this is interrupted, nobody resumes a half-deleted version.
    await guard.check();
    await db
      .update(featureSets)
      .set({ status: "retired" })
      .where(
        and(
          inArray(featureSets.id, doomed),
          held(),
          sql`${featureSets.id} NOT IN (SELECT ${activeFeatureSets.featureSetId} FROM ${activeFeatureSets})`,
        ),
      );
  }
  const deleted: number[] = [];
  for (const id of doomed) {
    if (!(await deleteRows(client, id, guard))) continue;
    await guard.check();
    const gone = await db
      .delete(featureSets)
      .where(and(eq(featureSets.id, id), notActive(id), held()))
      .returning({ id: featureSets.id });
    if (gone.length > 0) deleted.push(id);
    else if (guard.inThisDatabase) await guard.check(); // nothing deleted: say why if the lease is gone
  }
  const known = new Set(versions.map((v) => v.id));
  const orphanSets = (await featureSetIdsWithRows(client)).filter((id) => !known.has(id));
  for (const id of orphanSets) {
    const row = await db.select({ id: featureSets.id }).from(featureSets).where(eq(featureSets.id, id)).get();
    if (row) continue; // a version created since the listing (not an orphan: it has its record now)
    await deleteRows(client, id, guard);
  }
  return { deletedVersions: deleted, orphanSets, inGrace };
}

/** The guard as a drizzle condition: the lease test in SQL where the lease lives here, else nothing. */
function guarded(guard: LeaseGuard): () => SQL | undefined {
  return () =>
    guard.inThisDatabase
      ? sql`EXISTS (SELECT 1 FROM sync_leases WHERE name = ${SYNC_LEASE} AND holder = ${guard.params[1]} AND expires_at > ${sql.raw(D1_NOW_MS)})`
      : undefined;
}

/** Delete a version's rows in chunks; false if it turned out active here (left alone). */
async function deleteRows(client: D1Client, featureSetId: number, guard: LeaseGuard): Promise<boolean> {
  for (;;) {
    await guard.check();
    const [, state] = await client.batch(deleteChunkStatements(featureSetId, DELETE_CHUNK_ROWS, guard));
    const [remaining, active, held] = (state?.rows[0] ?? []).map(Number);
    if (held !== 1) throw new LeaseLostError(guard.params[1]);
    if (active === 1) return false;
    if (!remaining) return true;
  }
}

/**
 * The distinct feature_set_id values in client_vectors, by skipping along the primary key index (one
 * lookup per id) rather than reading every row.
 */
export async function featureSetIdsWithRows(client: D1Client): Promise<number[]> {
  const result = await client.query(
    "WITH RECURSIVE ids(id) AS (SELECT MIN(feature_set_id) FROM client_vectors " +
      "UNION ALL SELECT (SELECT MIN(feature_set_id) FROM client_vectors WHERE feature_set_id > ids.id) FROM ids WHERE ids.id IS NOT NULL) " +
      "SELECT id FROM ids WHERE id IS NOT NULL",
  );
  return result.rows.map(([id]) => Number(id));
}
