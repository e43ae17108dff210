import { isAbsolute, relative } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { ARTIFACTS_DIR, DEFAULT_CONFIG_PATH, PROJECT_ROOT } from "../../lib/paths.ts";
import { progressFor } from "../../lib/progress.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";
import { seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/**
 * The warehouse as the model card records it: `kind:location`, a DuckDB file inside the project relative to
 * it, so the card (and the version hashed from it) does not depend on where the repository was cloned.
 */
function portableLocation(warehouse: Warehouse): string {
  const rel = relative(PROJECT_ROOT, warehouse.location);
  const inside = warehouse.kind === "duckdb" && !rel.startsWith("..") && !isAbsolute(rel);
  return `${warehouse.kind}:${inside ? rel : warehouse.location}`;
}

export function registerTrain(program: Command): void {
  program
    .command("train")
    .description(
      "train the GBDT with cross-validation, calibrate, pick the decision policy, export ONNX, card and report",
    )
    .option("--seeds <n>", "cross-validation repeats (fold seeds seed..seed+n-1)", positiveInt, 3)
    .option("--config <file>", "training config (hyperparameters, cost model)", DEFAULT_CONFIG_PATH)
    .option("--out <dir>", "where to write model.onnx, model.json and report.html", ARTIFACTS_DIR)
    .addOption(warehouseOption())
    .action(
      runAction(async (options: { seeds: number; config: string; out: string; warehouse: string }) => {
        const started = performance.now();
        // Loaded on use: `--help` and the other commands never pay for the trainer and XGBoost.
        const { loadTrainingConfig } = await import("../../model/training/config.ts");
        const { loadTrainingSet } = await import("../../model/training/dataset.ts");
        const { trainModel } = await import("../../model/training/train-model.ts");
        const { writeArtifacts } = await import("../../model/publish/write-artifacts.ts");
        const { tableRowCounts } = await import("../../model/card/coverage.ts");
        const { loadRegistry } = await import("../../warehouse/feature-registry.ts");
        const config = loadTrainingConfig(options.config);
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        const progress = progressFor();
        try {
          const registry = await loadRegistry(warehouse);
          const set = await loadTrainingSet(warehouse, registry, config.exclude_protected, progress);
          const trained = trainModel(
            set,
            registry,
            config,
            options.seeds,
            portableLocation(warehouse),
            progress,
            await tableRowCounts(warehouse),
          );
          const card = writeArtifacts(trained, options.out);
          const m = card.metrics;
          const policy = card.policy;
          const held = trained.card.validation.untouched_test;
          const interval = (e: { value: number; lower: number; upper: number }) =>
            `${e.value.toFixed(4)} [${e.lower.toFixed(4)}, ${e.upper.toFixed(4)}]`;
          const profit = trained.card.policy_evaluation;
          const review = trained.card.fair_lending.proxy_review;
          const pending = "candidates" in review ? review.candidates.filter((c) => !c.applied) : [];
          for (const c of pending)
            console.error(
              `warning: the proxy review decided to ${c.decision} ${c.input}${c.value ? ` = "${c.value}"` : ""}, which the served model does not do yet: ${c.reason}`,
            );
          console.log(
            [
              `model ${card.version}: ${card.features.length} inputs, ${card.onnx.trees} trees, trained on ${set.rows} clients (${card.training_data.positives} defaults)`,
              `CV AUC ${m.cv_auc.mean.toFixed(4)} ± ${m.cv_auc.sd.toFixed(4)}, history masked ${m.cv_auc_no_history.mean.toFixed(4)} ± ${m.cv_auc_no_history.sd.toFixed(4)} (${options.seeds} seeds)`,
              `untouched test (${held.rows} clients, model trained without them): AUC ${interval(held.metrics.auc)}, Brier ${interval(held.metrics.brier)}, ECE ${interval(held.metrics.ece)}`,
              `Brier ${m.brier.toFixed(4)}, ECE ${m.ece.toFixed(4)}; approve below ${policy.approve_below.toFixed(4)}, decline from ${policy.decline_from.toFixed(4)}`,
              `profit cross-fitted ${Math.round(profit.profit_cross_fitted).toLocaleString("en-US")} (in-sample ${Math.round(profit.profit_in_sample).toLocaleString("en-US")}), untouched test ${Math.round(profit.profit_untouched_test).toLocaleString("en-US")}`,
              `wrote ${options.out}/model.onnx, model.json, report.html in ${seconds((performance.now() - started) / 1000)}`,
            ].join("\n"),
          );
        } finally {
          await warehouse.close();
        }
      }),
    );
}
