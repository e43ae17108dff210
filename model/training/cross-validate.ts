import type { ProgressFactory } from "../../lib/progress.ts";
import { stratifiedFolds } from "../evaluation/folds.ts";
import { auc } from "../evaluation/metrics.ts";
import { evaluatedFolds, type TrainingConfig } from "./config.ts";
import type { TrainingSet } from "./dataset.ts";
import { type FitResult, fitRounds, fitWithEarlyStopping, predictMargins, type RowCopies } from "./fit.ts";
import type { TreeCount } from "./tree-count.ts";

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
  /** Per evaluated fold: the early-stopping holdout's best round count (what the tree-count rule reads). */
  bestRounds: number[];
  bestRoundsNoHistory: number[];
}

/**
 * One repeat of stratified k-fold CV on `set`. Fold models are fitted with early stopping on a holdout of
 * their training folds, or, given `trees`, the way the served model is: that many trees, no early stopping.
 * `mainOnly` skips the no-history ensemble (its margins are then the main ensemble's on blanked rows).
 */
export function crossValidate(
  set: TrainingSet,
  config: TrainingConfig,
  seed: number,
  progress: ProgressFactory,
  options: { trees?: TreeCount; mainOnly?: boolean } = {},
): CrossValidation {
  const { trees } = options;
  const fitFold = (
    train: number[],
    foldSeed: number,
    bar: ReturnType<ProgressFactory>,
    noHistory: boolean,
  ): FitResult => {
    const copies: RowCopies | undefined = noHistory ? "masked" : undefined;
    if (!trees) return fitWithEarlyStopping(set, train, config, foldSeed, bar, copies);
    const rounds = noHistory ? trees.noHistory : trees.main;
    return { ...fitRounds(set, train, config, foldSeed, rounds, copies, bar), bestRounds: rounds };
  };
  const fold = stratifiedFolds(set.y, config.folds, seed);
  const evaluate = evaluatedFolds(config);
  const evaluated: number[] = [];
  const margins: number[] = [];
  const marginsNoHistory: number[] = [];
  const foldAuc: number[] = [];
  const foldAucNoHistory: number[] = [];
  const rounds: number[] = [];
  const roundsNoHistory: number[] = [];
  const bestRounds: number[] = [];
  const bestRoundsNoHistory: number[] = [];
  for (let k = 0; k < evaluate; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < set.rows; r++) (fold[r] === k ? test : train).push(r);
    const label = `${trees ? "served-like " : ""}seed ${seed} fold ${k + 1}/${evaluate}`;
    const bar = progress({ label, total: trees?.main ?? config.early_stopping.max_rounds, unit: "rounds" });
    const fit = fitFold(train, seed * 1000 + k, bar, false);
    bar.stop();
    const predicted = predictMargins(fit.booster, set, test);
    fit.booster.dispose();
    if (config.no_history_model && !options.mainOnly) {
      const noHistoryBar = progress({
        label: `${label} no history`,
        total: trees?.noHistory ?? config.early_stopping.max_rounds,
        unit: "rounds",
      });
      const noHistory = fitFold(train, seed * 1000 + k, noHistoryBar, true);
      noHistoryBar.stop();
      predicted.masked = predictMargins(noHistory.booster, set, test).masked;
      noHistory.booster.dispose();
      roundsNoHistory.push(noHistory.rounds);
      bestRoundsNoHistory.push(noHistory.bestRounds);
    }
    evaluated.push(...test);
    margins.push(...predicted.plain);
    marginsNoHistory.push(...predicted.masked);
    const labels = test.map((r) => set.y[r]!);
    foldAuc.push(auc(labels, predicted.plain));
    foldAucNoHistory.push(auc(labels, predicted.masked));
    rounds.push(fit.rounds);
    bestRounds.push(fit.bestRounds);
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
    bestRounds,
    bestRoundsNoHistory,
  };
}
