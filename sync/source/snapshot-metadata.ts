import { createHash } from "node:crypto";
import { UserError } from "../../lib/errors.ts";
import { CLIENT_SNAPSHOT_FROM } from "../../warehouse/client-snapshot.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { CLIENT_FEATURES_TABLE } from "../../warehouse/feature-sql.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import type { SnapshotStats } from "./snapshot-source.ts";

/** What a source knows before reading a row: the feature schema, the history layout, size and fingerprint. */
export interface SnapshotMetadata {
  readonly schemaHash: string;
  readonly featuresAsOf: string;
  readonly historyNames: readonly string[];
  readonly stats: SnapshotStats;
  readonly fingerprint: string;
}

const numberOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Read the registry and the snapshot's size, with the errors an operator can act on. The fingerprint covers
 * what identifies a snapshot cheaply (schema, build time, client count and id range); a resumed run still
 * re-hashes every source row, so a change it misses fails the checksum instead of slipping through.
 */
export async function readSnapshotMetadata(warehouse: Warehouse): Promise<SnapshotMetadata> {
  if ((await warehouse.columns("applications")).length === 0) {
    throw new UserError(`table applications is missing in ${warehouse.location}: run \`credit-edge ingest\``);
  }
  const featureColumns = await warehouse.columns(CLIENT_FEATURES_TABLE);
  if (featureColumns.length === 0) {
    throw new UserError(
      `table ${CLIENT_FEATURES_TABLE} is missing in ${warehouse.location}: run \`credit-edge features\``,
    );
  }
  const registry = await loadRegistry(warehouse);
  const historyNames = registry.features.filter((f) => f.group === "history").map((f) => f.name);
  const present = new Set(featureColumns.map((c) => c.name.toLowerCase()));
  const missing = historyNames.filter((n) => !present.has(n));
  if (missing.length > 0) {
    throw new UserError(
      `${CLIENT_FEATURES_TABLE} in ${warehouse.location} lacks registry features (${missing.slice(0, 3).join(", ")}): re-run \`credit-edge features\``,
    );
  }
  const page = await warehouse.query(
    `SELECT COUNT(*), COUNT(DISTINCT a.SK_ID_CURR), MIN(a.SK_ID_CURR), MAX(a.SK_ID_CURR) FROM ${CLIENT_SNAPSHOT_FROM}`,
  );
  const [count, distinct, min, max] = page.rows[0] ?? [];
  if (Number(count) !== Number(distinct)) {
    throw new UserError(
      `the snapshot in ${warehouse.location} repeats client ids (${count} rows, ${distinct} distinct SK_ID_CURR): fix applications and re-run \`credit-edge features\``,
    );
  }
  const stats: SnapshotStats = {
    clients: Number(count ?? 0),
    minClientId: numberOrNull(min),
    maxClientId: numberOrNull(max),
  };
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify([
        warehouse.kind,
        warehouse.location,
        registry.schemaHash,
        registry.builtAt,
        stats.clients,
        stats.minClientId,
        stats.maxClientId,
      ]),
    )
    .digest("hex")
    .slice(0, 16);
  return {
    schemaHash: registry.schemaHash,
    featuresAsOf: registry.builtAt,
    historyNames,
    stats,
    fingerprint,
  };
}
