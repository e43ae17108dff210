/**
 * Ingest + features, timed, with peak memory: on the shipped sample by default, or on any data folder
 * (the synthetic full-size set from `npm run synth`, or the real Kaggle files).
 *
 *   npm run bench                                   # the sample, 3 runs, median
 *   npm run bench:pipeline -- --data-dir .credit-edge/synthetic --runs 1
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { silentProgress } from "../../lib/progress.ts";
import { buildFeatures } from "../../warehouse/build-features.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { ingest } from "../../warehouse/ingest.ts";
import { gib, median, PeakMemory, secs } from "../measure.ts";

const { dataDir, runs, memoryLimit } = new Command("bench-pipeline")
  .option("--data-dir <dir>", "CSV folder", SAMPLE_DATA_DIR)
  .option("--runs <n>", "repetitions (median reported)", (v) => Number.parseInt(v, 10), 3)
  .option("--memory-limit <size>", "DuckDB memory_limit", "3GB")
  .parse()
  .opts<{ dataDir: string; runs: number; memoryLimit: string }>();

const results: {
  ingest: number;
  features: number;
  total: number;
  rows: number;
  clients: number;
  peak: number;
}[] = [];
for (let run = 1; run <= runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), "bench-pipeline-"));
  const memory = new PeakMemory();
  const warehouse = await DuckDbWarehouse.open({ path: join(dir, "warehouse.duckdb"), memoryLimit });
  try {
    const t0 = performance.now();
    const tables = await ingest(warehouse, dataDir, silentProgress);
    const t1 = performance.now();
    const build = await buildFeatures(warehouse, silentProgress);
    const t2 = performance.now();
    const rows = tables.reduce((s, t) => s + t.rows, 0);
    results.push({
      ingest: t1 - t0,
      features: t2 - t1,
      total: t2 - t0,
      rows,
      clients: build.clients,
      peak: memory.stop(),
    });
    const r = results.at(-1)!;
    console.log(
      `run ${run}: ingest ${secs(r.ingest)} (${rows.toLocaleString("en-US")} rows) + features ${secs(r.features)} ` +
        `(${build.clients.toLocaleString("en-US")} clients x ${build.registry.features.length} features) = ${secs(r.total)}, peak RSS ${gib(r.peak)}`,
    );
    if (run === 1)
      for (const t of tables)
        console.log(
          `  ${t.table.padEnd(24)} ${t.rows.toLocaleString("en-US").padStart(12)} rows  ${t.seconds.toFixed(1)} s`,
        );
    if (run === 1)
      for (const t of build.tables) console.log(`  ${t.table.padEnd(32)} ${t.seconds.toFixed(1)} s`);
  } finally {
    memory.stop();
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `median of ${runs}: ingest ${secs(median(results.map((r) => r.ingest)))}, features ${secs(median(results.map((r) => r.features)))}, ` +
    `total ${secs(median(results.map((r) => r.total)))}; peak RSS ${gib(Math.max(...results.map((r) => r.peak)))} (data: ${dataDir})`,
);
