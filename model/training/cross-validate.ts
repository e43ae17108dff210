import type { ProgressFactory } from "../../lib/progress.ts";
import { stratifiedFolds } from "../evaluation/folds.ts";
import { auc } from "../evaluation/metrics.ts";
import { evaluatedFolds, type TrainingConfig } from "./config.ts";
import type { TrainingSet } from "./dataset.ts";
import { fitWithEarlyStopping, predictMargins } from "./fit.ts";

/** Out-of-fold results of one cross-validation repeat. */
export interface CrossValidation {
  seed: number;
  /** Rows that were scored out of fold (all rows unless only some folds are evaluated). */
  evaluated: Int32Array;
  /**
   * Out-of-fold margins of the evaluated rows (in `evaluated` order), as recorded and history blanked; the
   * latter from the no-history model when there is one, as served.
   */
  oofMargin: Float64Array;
  oofMarginNoHistory: Float64Array;
  /** AUC of all out-of-fold predictions pooled. */
  auc: number;
  aucNoHistory: number;
  /** Per evaluated fold: AUC of that fold's rows as recorded and with history blanked. */
  foldAuc: number[];
  foldAucNoHistory: number[];
  rounds: number[];
  roundsNoHistory: number[];
}

export function crossValidate(
  set: TrainingSet,
  config: TrainingConfig,
  seed: number,
  progress: ProgressFactory,
): CrossValidation {
  const fold = stratifiedFolds(set.y, config.folds, seed);
  const evaluate = evaluatedFolds(config);
  const evaluated: number[] = [];
  const margins: number[] = [];
  const marginsNoHistory: number[] = [];
  const foldAuc: number[] = [];
  const foldAucNoHistory: number[] = [];
  const rounds: number[] = [];
  const roundsNoHistory: number[] = [];
  for (let k = 0; k < evaluate; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < set.rows; r++) (fold[r] === k ? test : train).push(r);
    const bar = progress({
      label: `seed ${seed} fold ${k + 1}/${evaluate}`,
      total: config.early_stopping.max_rounds,
      unit: "rounds",
    });
    const fit = fitWithEarlyStopping(set, train, config, seed * 1000 + k, bar);
    bar.stop();
    const predicted = predictMargins(fit.booster, set, test);
    fit.booster.dispose();
    if (config.no_history_model) {
      const noHistoryBar = progress({
        label: `seed ${seed} fold ${k + 1}/${evaluate} no history`,
        total: config.early_stopping.max_rounds,
        unit: "rounds",
      });
      const noHistory = fitWithEarlyStopping(set, train, config, seed * 1000 + k, noHistoryBar, "masked");
      noHistoryBar.stop();
      predicted.masked = predictMargins(noHistory.booster, set, test).masked;
      noHistory.booster.dispose();
      roundsNoHistory.push(noHistory.rounds);
    }
    evaluated.push(...test);
    margins.push(...predicted.plain);
    marginsNoHistory.push(...predicted.masked);
    const labels = test.map((r) => set.y[r]!);
    foldAuc.push(auc(labels, predicted.plain));
    foldAucNoHistory.push(auc(labels, predicted.masked));
    rounds.push(fit.rounds);
  }
  const labels = evaluated.map((r) => set.y[r]!);
  return {
    seed,
    evaluated: Int32Array.from(evaluated),
    oofMargin: Float64Array.from(margins),
    oofMarginNoHistory: Float64Array.from(marginsNoHistory),
    auc: auc(labels, margins),
    aucNoHistory: auc(labels, marginsNoHistory),
    foldAuc,
    foldAucNoHistory,
    rounds,
    roundsNoHistory,
  };
}
