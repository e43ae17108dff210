import type { ProgressFactory } from "../../lib/progress.ts";
import { stratifiedFolds } from "../evaluation/folds.ts";
import { auc } from "../evaluation/metrics.ts";
import type { TrainingConfig } from "./config.ts";
import type { TrainingSet } from "./dataset.ts";
import { fitWithEarlyStopping, predictMargins } from "./fit.ts";

/** Out-of-fold results of one cross-validation repeat. */
export interface CrossValidation {
  seed: number;
  /** Out-of-fold margin of every row, as recorded and with its history blanked. */
  oofMargin: Float64Array;
  oofMarginNoHistory: Float64Array;
  fold: Int32Array;
  auc: number;
  aucNoHistory: number;
  /** Per fold: AUC of that fold's rows as recorded and with history blanked. */
  foldAuc: number[];
  foldAucNoHistory: number[];
  rounds: number[];
}

export function crossValidate(
  set: TrainingSet,
  config: TrainingConfig,
  seed: number,
  progress: ProgressFactory,
): CrossValidation {
  const fold = stratifiedFolds(set.y, config.folds, seed);
  const oofMargin = new Float64Array(set.rows);
  const oofMarginNoHistory = new Float64Array(set.rows);
  const foldAuc: number[] = [];
  const foldAucNoHistory: number[] = [];
  const rounds: number[] = [];
  for (let k = 0; k < config.folds; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < set.rows; r++) (fold[r] === k ? test : train).push(r);
    const bar = progress({
      label: `seed ${seed} fold ${k + 1}/${config.folds}`,
      total: config.early_stopping.max_rounds,
      unit: "rounds",
    });
    const fit = fitWithEarlyStopping(set, train, config, seed * 1000 + k, bar);
    bar.stop();
    const margins = predictMargins(fit.booster, set, test);
    fit.booster.dispose();
    test.forEach((row, i) => {
      oofMargin[row] = margins.plain[i]!;
      oofMarginNoHistory[row] = margins.masked[i]!;
    });
    const labels = test.map((r) => set.y[r]!);
    foldAuc.push(auc(labels, margins.plain));
    foldAucNoHistory.push(auc(labels, margins.masked));
    rounds.push(fit.rounds);
  }
  return {
    seed,
    oofMargin,
    oofMarginNoHistory,
    fold,
    auc: auc(set.y, oofMargin),
    aucNoHistory: auc(set.y, oofMarginNoHistory),
    foldAuc,
    foldAucNoHistory,
    rounds,
  };
}
