import { sql } from "drizzle-orm";
import { type AnyD1Database, drizzle } from "drizzle-orm/d1";
import type { ApplicationRecord } from "../../features/application/columns.ts";
import { encodeClient, PACKED_FORMAT } from "../../online-store/packed-client.ts";
import { activeFeatureSets, apiKeys, clientVectors, featureSets } from "../../online-store/schema.ts";

/**
 * Test data for the online store, written the way the sync writes it (schema.ts, packed-client.ts): usable
 * from tests inside workerd (env.DB) and from Node (getPlatformProxy's env.DB). Not a sync: no leases,
 * checksums or source fingerprints worth the name.
 */

export interface SeedClient {
  clientId: number;
  /** History features in the card's packed_history_features order; NaN for missing. */
  history: ArrayLike<number>;
  application: ApplicationRecord;
  /** The row's content hash halves; 0 unless a test cares. */
  hash?: { hi: number; lo: number };
}

export interface SeedFeatureSet {
  schemaHash: string;
  historyFeatureCount: number;
  clients: readonly SeedClient[];
  featuresAsOf?: string;
  /** Point active_feature_sets at it (default true). */
  activate?: boolean;
  packedFormat?: string;
  /** The shard stamp the Worker checks (default: shard 0 of 1). */
  shard?: number;
  shardCount?: number;
  /** An explicit id (the same version on several shards). */
  id?: number;
}

/** client_vectors has 5 columns: 20 rows per INSERT stay under D1's 100 bound parameters. */
const ROWS_PER_INSERT = 20;

/** Writes a complete feature set and (by default) activates it; returns its id. */
export async function seedFeatureSet(d1: AnyD1Database, set: SeedFeatureSet): Promise<number> {
  const db = drizzle(d1);
  const now = new Date().toISOString();
  const [created] = await db
    .insert(featureSets)
    .values({
      ...(set.id === undefined ? {} : { id: set.id }),
      shard: set.shard ?? 0,
      shardCount: set.shardCount ?? 1,
      schemaHash: set.schemaHash,
      status: "ready",
      mode: "full",
      source: "test-seed",
      sourceFingerprint: "test-seed",
      featuresAsOf: set.featuresAsOf ?? now,
      packedFormat: set.packedFormat ?? PACKED_FORMAT,
      historyFeatureCount: set.historyFeatureCount,
      expectedRows: set.clients.length,
      rowCount: set.clients.length,
      createdAt: now,
      completedAt: now,
    })
    .returning({ id: featureSets.id });
  const id = created!.id;
  const inserts = [];
  for (let start = 0; start < set.clients.length; start += ROWS_PER_INSERT) {
    const rows = set.clients.slice(start, start + ROWS_PER_INSERT).map((c) => ({
      featureSetId: id,
      clientId: c.clientId,
      // Bound as a BLOB as is; the column's "buffer" mapping would need Node's Buffer.
      packed: sql`${encodeClient({ history: c.history, application: c.application })}`,
      hashHi: c.hash?.hi ?? 0,
      hashLo: c.hash?.lo ?? 0,
    }));
    inserts.push(db.insert(clientVectors).values(rows));
  }
  if (inserts.length) await db.batch(inserts as [(typeof inserts)[number], ...typeof inserts]);
  if (set.activate ?? true) await activateFeatureSet(d1, set.schemaHash, id);
  return id;
}

export async function activateFeatureSet(
  d1: AnyD1Database,
  schemaHash: string,
  featureSetId: number,
): Promise<void> {
  const activatedAt = new Date().toISOString();
  await drizzle(d1)
    .insert(activeFeatureSets)
    .values({ schemaHash, featureSetId, activatedAt })
    .onConflictDoUpdate({ target: activeFeatureSets.schemaHash, set: { featureSetId, activatedAt } });
}

/** Stores an API key the way `credit-edge keys create` does: its SHA-256 hex only. */
export async function seedApiKey(
  d1: AnyD1Database,
  key: {
    id: string;
    keyHash: string;
    name?: string;
    scopes: string;
    revokedAt?: string | null;
    expiresAt?: string | null;
  },
): Promise<void> {
  await drizzle(d1)
    .insert(apiKeys)
    .values({ name: key.id, revokedAt: null, ...key });
}
