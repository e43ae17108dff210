/**
 * `npm run bench:sync`: clients per second and memory of a full sync into the local D1, on the sample and on
 * a full-size warehouse (356k clients).
 *
 *   npm run bench:sync -- [--full-warehouse <path>] [--sample-warehouse <path>] [--tune] [--json <file>]
 *
 * The sample warehouse is built from data/home-credit (ingest + features) unless given. The full-size one is
 * any DuckDB warehouse, e.g. the synthetic data ingested and featured
 * (CREDIT_EDGE_DUCKDB=... credit-edge ingest --data-dir .credit-edge/synthetic && ... features); without it
 * only the sample runs. --tune also runs the sample across page sizes and write requests in flight.
 */
import { existsSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { formatTable } from "../../cli/format.ts";
import { sampleWarehousePath } from "../../test/support/sample-warehouse.ts";
import { gib } from "../measure.ts";
import { benchSync, type SyncBenchRun } from "./bench-sync.ts";

const program = new Command("bench-sync")
  .option("--sample-warehouse <path>", "the sample's DuckDB warehouse (default: built from data/home-credit)")
  .option(
    "--full-warehouse <path>",
    "a full-size DuckDB warehouse (356k clients)",
    process.env.CREDIT_EDGE_BENCH_FULL_WAREHOUSE,
  )
  .option("--tune", "also sweep page size and requests in flight on the sample")
  .option("--json <file>", "write the runs as JSON")
  .parse();
const options = program.opts<{
  sampleWarehouse?: string;
  fullWarehouse?: string;
  tune?: boolean;
  json?: string;
}>();

const runs: SyncBenchRun[] = [];
const sample = options.sampleWarehouse ?? (await sampleWarehousePath());
runs.push(await benchSync("sample", sample));
if (options.tune) {
  for (const pageSize of ["250", "500", "1000"]) {
    for (const inFlight of ["1", "2", "3"]) {
      runs.push(
        await benchSync(`sample p${pageSize} f${inFlight}`, sample, {
          CREDIT_EDGE_SYNC_PAGE_SIZE: pageSize,
          CREDIT_EDGE_SYNC_IN_FLIGHT: inFlight,
        }),
      );
    }
  }
}
if (options.fullWarehouse) {
  if (!existsSync(options.fullWarehouse)) throw new Error(`no warehouse at ${options.fullWarehouse}`);
  runs.push(await benchSync("full size", options.fullWarehouse));
} else {
  console.log("(no --full-warehouse / CREDIT_EDGE_BENCH_FULL_WAREHOUSE: full-size run skipped)");
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)}`;
console.log(
  formatTable(
    [
      "run",
      "clients",
      "wall s",
      "sync s",
      "clients/s",
      "peak RSS cli",
      "peak RSS workerd",
      "RSS by tenth of the run (MiB)",
    ],
    runs.map((r) => [
      r.label,
      r.clients,
      r.wallSeconds.toFixed(1),
      r.syncSeconds.toFixed(1),
      Math.round(r.clientsPerSecond),
      gib(r.peakRss.cli),
      gib(r.peakRss.workerd),
      r.rssByDecile.map(mib).join(" "),
    ]),
  ),
);
if (options.json) writeFileSync(options.json, `${JSON.stringify(runs, null, 2)}\n`);
