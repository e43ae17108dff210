import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The online store in D1: versioned feature sets of packed client vectors, the pointer to the active
 * version per feature schema, the sync lease, and API keys. Schema as code; `npm run db:generate`
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
  },
  (t) => [index("feature_sets_schema_status").on(t.schemaHash, t.status)],
);

/** The version the Worker reads, per feature schema: flipping it is the one-statement activation. */
export const activeFeatureSets = sqliteTable("active_feature_sets", {
  schemaHash: text("schema_hash").primaryKey(),
  featureSetId: integer("feature_set_id").notNull(),
  activatedAt: text("activated_at").notNull(),
});

/** One client in one feature set. */
export const clientVectors = sqliteTable(
  "client_vectors",
  {
    featureSetId: integer("feature_set_id").notNull(),
    clientId: integer("client_id").notNull(),
    /** History features, packed (online-store/packed-vector.ts), in the registry's order. */
    history: blob("history", { mode: "buffer" }).notNull(),
    /** The application record as JSON (nulls dropped): what application features are recomputed from. */
    application: text("application").notNull(),
    /** Two 32-bit halves of the row's content hash: change detection and set checksums. */
    hashHi: integer("hash_hi").notNull(),
    hashLo: integer("hash_lo").notNull(),
  },
  (t) => [primaryKey({ columns: [t.featureSetId, t.clientId] })],
);

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
