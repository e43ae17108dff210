import type { ProgressFactory } from "../lib/progress.ts";
import { resolveSourceFiles } from "./source-files.ts";
import { TABLES, type TableSpec } from "./tables.ts";
import type { SourceFile, Warehouse } from "./warehouse.ts";

export interface IngestedTable {
  table: string;
  rows: number;
  files: string[];
  seconds: number;
}

/**
 * Load every table from `dataDir` into the warehouse. All files are found and their headers checked before
 * anything loads, so a missing table fails fast instead of leaving the warehouse half replaced.
 */
export async function ingest(
  warehouse: Warehouse,
  dataDir: string,
  progress: ProgressFactory,
  tables: readonly TableSpec[] = TABLES,
): Promise<IngestedTable[]> {
  const plan: [TableSpec, SourceFile[]][] = [];
  for (const spec of tables) plan.push([spec, await resolveSourceFiles(dataDir, spec)]);
  const loaded: IngestedTable[] = [];
  for (const [spec, files] of plan) {
    const started = performance.now();
    const rows = await warehouse.loadTable(spec, files, progress);
    loaded.push({
      table: spec.name,
      rows,
      files: files.map((f) => f.path),
      seconds: (performance.now() - started) / 1000,
    });
  }
  return loaded;
}
