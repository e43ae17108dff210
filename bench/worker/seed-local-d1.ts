import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { AnyD1Database } from "drizzle-orm/d1";
import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { UserError } from "../../lib/errors.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { type SeedClient, seedFeatureSet } from "../../test/support/d1-seed.ts";
import { clientSnapshotSql, recordFromRow } from "../../warehouse/client-snapshot.ts";
import { duckDbPath } from "../../warehouse/config.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";

/**
 * The local D1 that `wrangler dev` serves (same persistence directory: writes are visible to a running dev
 * server at once), through wrangler's platform proxy.
 */
export async function withLocalD1<T>(
  persistTo: string | undefined,
  use: (db: AnyD1Database) => Promise<T>,
): Promise<T> {
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<{ DB: AnyD1Database }>({
    configPath: join(PROJECT_ROOT, "wrangler.toml"),
    persist: persistTo ? { path: join(persistTo, "v3") } : true,
    remoteBindings: false,
  });
  try {
    return await use(proxy.env.DB);
  } catch (error) {
    // drizzle wraps D1's error ("Failed query: ...") and keeps it as the cause.
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    if (messages.some((m) => /no such table/.test(m)))
      throw new UserError(
        "the local D1 has no tables: run `npx wrangler d1 migrations apply DB --local` first",
        1,
        { cause: error },
      );
    throw error;
  } finally {
    await proxy.dispose();
  }
}

export interface SeedOptions {
  /** A DuckDB warehouse with features built (default: the project's, .credit-edge/warehouse.duckdb). */
  warehousePath?: string;
  /** wrangler's local state folder (default .wrangler/state, what `wrangler dev --local` serves). */
  persistTo?: string;
  /** At most this many clients. */
  limit?: number;
}

/**
 * Fills the local D1 with an active feature set straight from a warehouse: a stand-in for `credit-edge
 * sync` for benches (and for `npm start` until the sync lands). Refuses a warehouse whose feature schema
 * is not the bundled model's.
 */
export async function seedLocalD1(
  options: SeedOptions = {},
): Promise<{ featureSetId: number; clients: readonly SeedClient[] }> {
  const source = options.warehousePath ?? duckDbPath();
  if (!existsSync(source))
    throw new UserError(`no warehouse at ${source}: run \`credit-edge ingest\` and \`credit-edge features\``);
  const { card } = readArtifacts();
  // A private copy: the warehouse may be open elsewhere, and DuckDB allows one process per file.
  const dir = mkdtempSync(join(tmpdir(), "credit-edge-seed-"));
  const copy = join(dir, "warehouse.duckdb");
  copyFileSync(source, copy);
  const clients: SeedClient[] = [];
  let featuresAsOf: string;
  const warehouse = await DuckDbWarehouse.open({ path: copy });
  try {
    const registry = await loadRegistry(warehouse);
    if (registry.schemaHash !== card.feature_schema_hash)
      throw new UserError(
        `the warehouse's features (${registry.schemaHash}) are not the model's (${card.feature_schema_hash})`,
      );
    featuresAsOf = registry.builtAt;
    const names = card.packed_history_features;
    const start = 2 + APPLICATION_COLUMNS.length;
    const sql = clientSnapshotSql(names) + (options.limit ? ` LIMIT ${options.limit}` : "");
    for await (const page of warehouse.scan(sql, 4096)) {
      for (const row of page.rows) {
        clients.push({
          clientId: Number(row[0]),
          application: recordFromRow(row),
          history: Float64Array.from(names, (_, i) => {
            const v = row[start + i];
            return typeof v === "number" ? v : Number.NaN;
          }),
        });
      }
    }
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const featureSetId = await withLocalD1(options.persistTo, (db) =>
    seedFeatureSet(db, {
      schemaHash: card.feature_schema_hash,
      historyFeatureCount: card.packed_history_features.length,
      featuresAsOf,
      clients,
    }),
  );
  return { featureSetId, clients };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { warehouse: { type: "string" }, "persist-to": { type: "string" }, limit: { type: "string" } },
  });
  const result = await seedLocalD1({
    warehousePath: values.warehouse,
    persistTo: values["persist-to"],
    limit: values.limit ? Number(values.limit) : undefined,
  });
  console.log(`seeded feature set ${result.featureSetId} with ${result.clients.length} clients (active)`);
}
