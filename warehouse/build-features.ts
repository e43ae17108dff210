import type { FeatureRegistry } from "../features/registry.ts";
import type { ProgressFactory } from "../lib/progress.ts";
import { registryFromWarehouse, saveRegistry } from "./feature-registry.ts";
import { CLIENT_FEATURES_TABLE, featureSqlFiles } from "./feature-sql.ts";
import type { Warehouse } from "./warehouse.ts";

export interface FeatureBuild {
  registry: FeatureRegistry;
  tables: { table: string; seconds: number }[];
  clients: number;
}

/** Run every feature SQL file in order, then derive and store the feature registry. */
export async function buildFeatures(warehouse: Warehouse, progress: ProgressFactory): Promise<FeatureBuild> {
  const files = featureSqlFiles();
  const bar = progress({ label: "features", total: files.length, unit: "files" });
  const tables: FeatureBuild["tables"] = [];
  try {
    for (const file of files) {
      bar.status(file.table);
      const started = performance.now();
      await warehouse.createTableAs(file.table, file.sql);
      tables.push({ table: file.table, seconds: (performance.now() - started) / 1000 });
      bar.increment();
    }
  } finally {
    bar.stop();
  }
  const registry = await registryFromWarehouse(warehouse, files);
  await saveRegistry(warehouse, registry, new Date());
  const count = await warehouse.query(`SELECT COUNT(*) FROM ${CLIENT_FEATURES_TABLE}`);
  return { registry, tables, clients: Number(count.rows[0]?.[0] ?? 0) };
}
