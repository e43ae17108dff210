import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { type Command, InvalidArgumentError } from "commander";
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
  threads: number;
}

/** Scoring threads by default: one per core, at most four (the main thread reads and looks up history). */
const defaultThreads = () => Math.max(1, Math.min(4, availableParallelism()));

export function registerScore(program: Command): void {
  program
    .command("score")
    .description("score a CSV of applications offline with the ONNX model the Worker serves")
    .requiredOption("--input <file>", "applications in application_train/test layout, .csv or .csv.gz")
    .requiredOption("--output <file>", "where to write SK_ID_CURR,probability,decision")
    .option("--model <dir>", "model artifacts folder", ARTIFACTS_DIR)
    .option("--no-history", "score every row as a new applicant, without the warehouse")
    .addOption(warehouseOption())
    .option("--threads <n>", "scoring threads (default: one per core, at most 4)", (v) => {
      const n = Number.parseInt(v, 10);
      if (!(n >= 1 && n <= 64)) throw new InvalidArgumentError("a whole number from 1 to 64");
      return n;
    })
    .action(
      runAction(async (options: ScoreOptions) => {
        const started = performance.now();
        // Optimized code compiled on the thread that runs it: on a few cores, background compiler threads
        // for every scoring thread only compete with them (measured: ~0.1 s of a 2.6 s run, 50,000 rows).
        setFlagsFromString("--no-concurrent-recompilation");
        // The threads start first and load their model while this one loads the rest and opens the
        // warehouse: neither waits for the other.
        const { ScoringPool } = await import("../../model/offline-scoring/scoring-pool.ts");
        const pool = ScoringPool.start(options.threads ?? defaultThreads(), { modelDir: options.model });
        pool.catch(() => {}); // awaited by scoreFile; marked handled until then
        let handedOver = false;
        let warehouse: Awaited<ReturnType<typeof openWarehouse>> | undefined;
        const bar = progressFor()({ label: "score", total: 0, unit: "rows" });
        try {
          const { HistoryLookup } = await import("../../model/offline-scoring/history-lookup.ts");
          const { readArtifacts } = await import("../../model/offline-scoring/read-artifacts.ts");
          const { scoreFile } = await import("../../model/offline-scoring/score-file.ts");
          const { card } = readArtifacts(options.model);
          warehouse = options.history
            ? await openWarehouse(parseWarehouseKind(options.warehouse))
            : undefined;
          const history = warehouse ? await HistoryLookup.open(warehouse, card) : undefined;
          handedOver = true;
          const result = await scoreFile({
            card,
            history,
            input: options.input,
            output: options.output,
            progress: bar,
            pool,
          });
          bar.stop();
          const elapsed = (performance.now() - started) / 1000;
          console.log(
            `scored ${result.rows.toLocaleString("en-US")} rows (${result.withHistory.toLocaleString("en-US")} with warehouse history) with model ${card.version} in ${seconds(elapsed)} (${Math.round(result.rows / elapsed).toLocaleString("en-US")} rows/s): ${options.output}`,
          );
        } finally {
          bar.stop();
          if (!handedOver) await pool.then((p) => p.close()).catch(() => {});
          await warehouse?.close();
        }
      }),
    );
}
