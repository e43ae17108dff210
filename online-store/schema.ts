import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The online store in D1: versioned feature sets of packed client vectors, the pointer to the active
 * version per feature schema, the sync lease, API keys and shard routes. Every database of the layout
 * (online-store/shard-layout.ts) has every table; the control database uses the lease, keys and routes,
 * each shard its feature sets and vectors. Schema as code; `npm run db:generate`
 * (drizzle-kit) writes the SQL migrations in migrations/.
 */

/** One sync run's output: a complete, immutable set of client vectors for one feature schema. */
export const featureSets = sqliteTable(
  "feature_sets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    schemaHash: text("schema_hash").notNull(),
    /** loading -> ready (all rows written and verified) -> retired (superseded, awaiting deletion). */
    status: text("status", { enum: ["loading", "ready", "retired"] }).notNull(),
    /** full | incremental; an incremental set starts as a copy of `baseId`. */
    mode: text("mode", { enum: ["full", "incremental"] }).notNull(),
    baseId: integer("base_id"),
    source: text("source").notNull(),
    /** Fingerprint of the source snapshot, so an interrupted run resumes only onto the same data. */
    sourceFingerprint: text("source_fingerprint").notNull(),
    /** When the warehouse built these features. */
    featuresAsOf: text("features_as_of").notNull(),
    packedFormat: text("packed_format").notNull(),
    historyFeatureCount: integer("history_feature_count").notNull(),
    expectedRows: integer("expected_rows"),
    rowCount: integer("row_count"),
    /** Sums of the rows' two 32-bit hashes, as "<sum_hi>:<sum_lo>": compared with the source's. */
    checksum: text("checksum"),
    changedRows: integer("changed_rows"),
    createdAt: text("created_at").notNull(),
    completedAt: text("completed_at"),
    activatedAt: text("activated_at"),
    /**
     * Which shard's copy this row is (online-store/shard-layout.ts), of how many: the Worker checks both
     * against its own layout in the lookup query itself. Null on the control database's record of a
     * sharded version.
     */
    shard: integer("shard"),
    shardCount: integer("shard_count").notNull().default(1),
    /** When the active pointer moved off this version (D1's clock): garbage collection waits a grace period. */
    supersededAt: text("superseded_at"),
    /** The sync run (lease holder) that created it: a retried create finds its own row instead of adding one. */
    createdBy: text("created_by"),
  },
  (t) => [index("feature_sets_schema_status").on(t.schemaHash, t.status)],
);

/** The version the Worker reads, per feature schema: flipping it is the one-statement activation. */
export const activeFeatureSets = sqliteTable("active_feature_sets", {
  schemaHash: text("schema_hash").primaryKey(),
  featureSetId: integer("feature_set_id").notNull(),
  activatedAt: text("activated_at").notNull(),
});

/** One client in one feature set, on the shard the client belongs to. */
export const clientVectors = sqliteTable(
  "client_vectors",
  {
    featureSetId: integer("feature_set_id").notNull(),
    clientId: integer("client_id").notNull(),
    /** History and application, packed as the set's packed_format says (online-store/packed-client.ts). */
    packed: blob("packed", { mode: "buffer" }).notNull(),
    /** Two 32-bit halves of the row's content hash: change detection and set checksums. */
    hashHi: integer("hash_hi").notNull(),
    hashLo: integer("hash_lo").notNull(),
  },
  (t) => [primaryKey({ columns: [t.featureSetId, t.clientId] })],
);

/**
 * In the control database of a layout with standby databases: which of each shard's two databases serves.
 * No row for a shard means its primary does. The sync flips every shard in one statement once the standbys
 * it loaded have all verified.
 */
export const shardRoutes = sqliteTable("shard_routes", {
  shard: integer("shard").primaryKey(),
  serving: text("serving", { enum: ["primary", "standby"] }).notNull(),
  /** The version the serving database was loaded with. */
  featureSetId: integer("feature_set_id").notNull(),
  /** When it last flipped (D1's clock): the database flipped away from is not loaded again before the grace period ends. */
  flippedAt: text("flipped_at").notNull(),
});

/** At most one sync at a time; a crashed holder's lease expires. */
export const syncLeases = sqliteTable("sync_leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  acquiredAt: text("acquired_at").notNull(),
  /** Epoch milliseconds. */
  expiresAt: integer("expires_at").notNull(),
});

/** Service callers' API keys, stored as SHA-256 hashes only. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  keyHash: text("key_hash").notNull().unique(),
  name: text("name").notNull(),
  /** Space-separated scopes, e.g. "score score:batch applications:score". */
  scopes: text("scopes").notNull(),
  createdAt: text("created_at").notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
  revokedAt: text("revoked_at"),
  /** ISO time after which the Worker refuses the key; null: no expiry. */
  expiresAt: text("expires_at"),
});
