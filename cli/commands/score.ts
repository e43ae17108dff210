import type { Command } from "commander";
import { ARTIFACTS_DIR } from "../../lib/paths.ts";
import { progressFor } from "../../lib/progress.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

interface ScoreOptions {
  input: string;
  output: string;
  model: string;
  history: boolean;
  warehouse: string;
}

export function registerScore(program: Command): void {
  program
    .command("score")
    .description("score a CSV of applications offline with the ONNX model the Worker serves")
    .requiredOption("--input <file>", "applications in application_train/test layout, .csv or .csv.gz")
    .requiredOption("--output <file>", "where to write SK_ID_CURR,probability,decision")
    .option("--model <dir>", "model artifacts folder", ARTIFACTS_DIR)
    .option("--no-history", "score every row as a new applicant, without the warehouse")
    .addOption(warehouseOption())
    .action(
      runAction(async (options: ScoreOptions) => {
        const started = performance.now();
        const { HistoryLookup } = await import("../../model/offline-scoring/history-lookup.ts");
        const { loadScorer } = await import("../../model/offline-scoring/load-scorer.ts");
        const { scoreFile } = await import("../../model/offline-scoring/score-file.ts");
        const scorer = await loadScorer({ dir: options.model });
        const warehouse = options.history
          ? await openWarehouse(parseWarehouseKind(options.warehouse))
          : undefined;
        const bar = progressFor()({ label: "score", total: 0, unit: "rows" });
        try {
          const history = warehouse ? await HistoryLookup.open(warehouse, scorer.card) : undefined;
          const result = await scoreFile(scorer, history, options.input, options.output, bar);
          bar.stop();
          const elapsed = (performance.now() - started) / 1000;
          console.log(
            `scored ${result.rows.toLocaleString("en-US")} rows (${result.withHistory.toLocaleString("en-US")} with warehouse history) with model ${scorer.card.version} in ${seconds(elapsed)} (${Math.round(result.rows / elapsed).toLocaleString("en-US")} rows/s): ${options.output}`,
          );
        } finally {
          bar.stop();
          await warehouse?.close();
        }
      }),
    );
}
