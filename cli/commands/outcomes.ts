import type { Command } from "commander";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

export function registerOutcomes(program: Command): void {
  const outcomes = program
    .command("outcomes")
    .description("realised outcomes, for back-testing in `monitor`");
  outcomes
    .command("load")
    .description(
      "load SK_ID_CURR,TARGET[,as_of] into the warehouse table `outcomes` (a client's new row replaces its old one)",
    )
    .requiredOption(
      "--input <file>",
      "CSV with a header: SK_ID_CURR,TARGET and optionally as_of (when the outcome was known)",
    )
    .addOption(warehouseOption())
    .option("--json", "print {loaded, total} as JSON")
    .action(
      runAction(async (options: { input: string; warehouse: string; json?: boolean }) => {
        const { readOutcomes, loadOutcomes } = await import("../../monitoring/outcomes.ts");
        const rows = await readOutcomes(options.input);
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        try {
          const total = await loadOutcomes(warehouse, rows);
          if (options.json) console.log(JSON.stringify({ loaded: rows.length, total }));
          else
            console.log(
              `loaded ${rows.length.toLocaleString("en-US")} outcomes into ${warehouse.location}.outcomes (${total.toLocaleString("en-US")} clients in all)`,
            );
        } finally {
          await warehouse.close();
        }
      }),
    );
}
