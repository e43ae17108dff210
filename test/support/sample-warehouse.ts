import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT, SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { silentProgress } from "../../lib/progress.ts";
import { buildFeatures } from "../../warehouse/build-features.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { ingest } from "../../warehouse/ingest.ts";

/** Everything the sample warehouse is built from: when any of it changes, the cached copy is rebuilt. */
function inputsFingerprint(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|sql)$/.test(name)) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(PROJECT_ROOT, "warehouse"));
  walk(join(PROJECT_ROOT, "features"));
  for (const name of readdirSync(SAMPLE_DATA_DIR).sort())
    hash.update(name).update(String(statSync(join(SAMPLE_DATA_DIR, name)).size));
  return hash.digest("hex").slice(0, 16);
}

/**
 * A DuckDB warehouse with the sample ingested and features built, shared by test files and runs
 * (rebuilt when the SQL, the feature code or the data change). Tests open it read-only
 * (`openSampleWarehouse`; DuckDB's write lock would keep files running side by side out) or copy it
 * (`copySampleWarehouse`) to write or to hand it to a command.
 */
export async function sampleWarehousePath(): Promise<string> {
  const dir = join(tmpdir(), `credit-edge-sample-${inputsFingerprint()}`);
  const path = join(dir, "warehouse.duckdb");
  if (existsSync(path)) return path;
  const staging = `${dir}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const warehouse = await DuckDbWarehouse.open({ path: join(staging, "warehouse.duckdb") });
  try {
    await ingest(warehouse, SAMPLE_DATA_DIR, silentProgress);
    await buildFeatures(warehouse, silentProgress);
  } finally {
    await warehouse.close();
  }
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process won the race: use its copy
  }
  return path;
}

/** The shared sample warehouse, read-only: test files running side by side may each hold it open. */
export async function openSampleWarehouse(): Promise<DuckDbWarehouse> {
  return DuckDbWarehouse.open({ path: await sampleWarehousePath(), readOnly: true });
}

/** A private copy of the sample warehouse a test may modify. */
export async function copySampleWarehouse(into: string): Promise<string> {
  const source = await sampleWarehousePath();
  mkdirSync(into, { recursive: true });
  const target = join(into, "warehouse.duckdb");
  const { copyFileSync } = await import("node:fs");
  copyFileSync(source, target);
  return target;
}
