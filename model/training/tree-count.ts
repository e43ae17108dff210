import type { TrainingConfig } from "./config.ts";
import type { CrossValidation } from "./cross-validate.ts";

/** How many trees each served ensemble gets, and why. */
export interface TreeCount {
  main: number;
  noHistory: number;
  rule: string;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The tree-count rule: the median, over every cross-validation fold of the development part, of the
 * early-stopped best round count, times the refit factor when the config refits (the refit trains on the
 * early-stopping holdout too). One fixed number per ensemble: the served model, the model evaluated on the
 * untouched part and the fold models that check the served calibration are all trained with it, no early
 * stopping, so their margins spread alike.
 */
export function treeCount(repeats: readonly CrossValidation[], config: TrainingConfig): TreeCount {
  const { refit, refit_factor } = config.early_stopping;
  const factor = refit ? refit_factor : 1;
  const count = (rounds: number[]) => Math.max(1, Math.round(factor * median(rounds)));
  const main = repeats.flatMap((cv) => cv.bestRounds);
  const noHistory = repeats.flatMap((cv) => cv.bestRoundsNoHistory);
  return {
    main: count(main),
    noHistory: noHistory.length ? count(noHistory) : 0,
    rule: `median early-stopped best round over the ${main.length} development CV folds${refit ? ` x ${refit_factor} (the refit adds the early-stopping holdout)` : ""}, per ensemble; no early stopping when training with it`,
  };
}
