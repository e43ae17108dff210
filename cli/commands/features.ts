import type { Command } from "commander";
import { progressFor } from "../../lib/progress.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { formatTable, seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

export function registerFeatures(program: Command): void {
  program
    .command("features")
    .description("run the feature SQL in the warehouse: the client feature table and the feature registry")
    .addOption(warehouseOption())
    .action(
      runAction(async (options: { warehouse: string }) => {
        const { buildFeatures } = await import("../../warehouse/build-features.ts");
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        try {
          const started = performance.now();
          const build = await buildFeatures(warehouse, progressFor());
          console.log(
            formatTable(
              ["table", "time"],
              build.tables.map((t) => [t.table, seconds(t.seconds)]),
            ),
          );
          const count = (group: string) => build.registry.features.filter((f) => f.group === group).length;
          console.log(
            `${build.clients.toLocaleString("en-US")} clients, ${build.registry.features.length} features ` +
              `(${count("application")} application, ${count("history")} history), ` +
              `schema ${build.registry.schemaHash}, in ${seconds((performance.now() - started) / 1000)}`,
          );
        } finally {
          await warehouse.close();
        }
      }),
    );
}
