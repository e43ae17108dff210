import type { ProgressFactory } from "../../lib/progress.ts";
import type { TrainingConfig } from "./config.ts";
import type { TrainingSet } from "./dataset.ts";
import { type FitResult, fitRounds } from "./fit.ts";
import type { TreeCount } from "./tree-count.ts";

export type Fitted = Omit<FitResult, "bestRounds">;

/** Both ensembles trained as served: the tree count's rounds on `rows`, no early stopping. */
export function fitEnsembles(
  set: TrainingSet,
  rows: readonly number[],
  config: TrainingConfig,
  trees: TreeCount,
  label: string,
  progress: ProgressFactory,
): { main: Fitted; noHistory?: Fitted } {
  const bar = progress({ label, total: trees.main, unit: "rounds" });
  const main = fitRounds(set, rows, config, config.seed, trees.main, undefined, bar);
  bar.stop();
  if (!config.no_history_model) return { main };
  const noHistoryBar = progress({ label: `${label}, no history`, total: trees.noHistory, unit: "rounds" });
  const noHistory = fitRounds(set, rows, config, config.seed, trees.noHistory, "masked", noHistoryBar);
  noHistoryBar.stop();
  return { main, noHistory };
}
