import { eq, inArray } from "drizzle-orm";
import { activeFeatureSets, featureSets } from "../../online-store/schema.ts";
import type { D1Client } from "../target/d1-client.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import { deleteChunkStatements } from "./vector-statements.ts";

/** Rows deleted per statement: a few tens of MB of pages, well inside D1's 30 s per query. */
const DELETE_CHUNK_ROWS = 5_000;

export interface GarbageCollection {
  readonly deletedVersions: number[];
  /** Feature set ids that had rows but no feature_sets row (left by an interrupted deletion elsewhere). */
  readonly orphanSets: number[];
}

/**
 * Per feature schema, keep the active version and the newest completed ones up to `keep` in all; delete every
 * other version (superseded, failed, abandoned) rows first, then its feature_sets row, so an interruption
 * leaves a row that the next collection finishes. Then delete rows of any feature set id without a
 * feature_sets row. Runs under the sync lease: no version is being written meanwhile.
 */
export async function collectGarbage(
  db: OnlineStoreDb,
  client: D1Client,
  keep: number,
): Promise<GarbageCollection> {
  const versions = await db.select().from(featureSets);
  const active = new Set((await db.select().from(activeFeatureSets)).map((a) => a.featureSetId));
  const kept = new Set<number>(active);
  const bySchema = new Map<string, (typeof versions)[number][]>();
  for (const v of versions) bySchema.set(v.schemaHash, [...(bySchema.get(v.schemaHash) ?? []), v]);
  for (const group of bySchema.values()) {
    const completed = group.filter((v) => v.completedAt !== null).sort((a, b) => b.id - a.id);
    const keptHere = completed.filter((v) => active.has(v.id)).length;
    for (const v of completed.filter((v) => !active.has(v.id)).slice(0, Math.max(0, keep - keptHere))) {
      kept.add(v.id);
    }
  }
  const doomed = versions.filter((v) => !kept.has(v.id)).map((v) => v.id);
  if (doomed.length > 0) {
    // Retired first: if this is interrupted, nobody resumes a half-deleted version.
    await db.update(featureSets).set({ status: "retired" }).where(inArray(featureSets.id, doomed));
  }
  for (const id of doomed) {
    await deleteRows(client, id);
    await db.delete(featureSets).where(eq(featureSets.id, id));
  }
  const known = new Set(versions.map((v) => v.id));
  const orphanSets = (await featureSetIdsWithRows(client)).filter((id) => !known.has(id));
  for (const id of orphanSets) await deleteRows(client, id);
  return { deletedVersions: doomed, orphanSets };
}

async function deleteRows(client: D1Client, featureSetId: number): Promise<void> {
  for (;;) {
    const [, remaining] = await client.batch(deleteChunkStatements(featureSetId, DELETE_CHUNK_ROWS));
    if (!remaining?.rows[0]?.[0]) return;
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
