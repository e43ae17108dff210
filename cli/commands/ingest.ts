import type { Command } from "commander";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { progressFor } from "../../lib/progress.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { formatTable, seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description(
      "load the seven Home Credit tables (CSV or CSV.gz) into the warehouse, replacing earlier loads",
    )
    .option("--data-dir <dir>", "folder with the Kaggle CSV files, plain or .gz", SAMPLE_DATA_DIR)
    .addOption(warehouseOption())
    .action(
      runAction(async (options: { dataDir: string; warehouse: string }) => {
        const { ingest } = await import("../../warehouse/ingest.ts");
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        try {
          const started = performance.now();
          const tables = await ingest(warehouse, options.dataDir, progressFor());
          console.log(
            formatTable(
              ["table", "rows", "time"],
              tables.map((t) => [t.table, t.rows, seconds(t.seconds)]),
            ),
          );
          console.log(
            `ingested into ${warehouse.location} in ${seconds((performance.now() - started) / 1000)}`,
          );
        } finally {
          await warehouse.close();
        }
      }),
    );
}
