import type { Progress } from "../../lib/progress.ts";
import { stratifiedHoldout } from "../evaluation/folds.ts";
import { AgeCapper, type CappingStats } from "../fair-lending/age-capping.ts";
import { ageRuleFor, interactionConstraints } from "../fair-lending/age-rule.ts";
import { Booster, DMatrix } from "../xgboost/booster.ts";
import type { TrainingConfig } from "./config.ts";
import type { TrainingSet } from "./dataset.ts";

/** Which copies of each row a matrix holds: as recorded, with history blanked, or both (augmentation). */
export type RowCopies = "plain" | "masked" | "both";

/** A DMatrix of the given rows (and their history-blanked copies), with labels. */
export function matrixOf(set: TrainingSet, rows: readonly number[], copies: RowCopies): DMatrix {
  const width = set.features.length;
  const plain = copies !== "masked";
  const masked = copies !== "plain";
  const n = rows.length * (plain && masked ? 2 : 1);
  const X = new Float32Array(n * width);
  const y = new Float32Array(n);
  let out = 0;
  const put = (row: number, blank: boolean) => {
    X.set(set.X.subarray(row * width, (row + 1) * width), out * width);
    if (blank) for (const h of set.historyInputs) X[out * width + h] = Number.NaN;
    y[out] = set.y[row]!;
    out++;
  };
  for (const row of rows) {
    if (plain) put(row, false);
    if (masked) put(row, true);
  }
  return new DMatrix(X, n, width, y);
}

function boosterParams(
  set: TrainingSet,
  config: TrainingConfig,
  seed: number,
): Record<string, string | number> {
  const params = { ...(config.xgboost as Record<string, string | number>), seed, seed_per_iteration: 1 };
  if (!config.age_rule) return params;
  return {
    ...params,
    interaction_constraints: interactionConstraints(ageRuleFor(set.features), set.features.length),
  };
}

/** A booster and the age rule applied to it round by round (model/fair-lending/age-rule.ts). */
function newBooster(set: TrainingSet, config: TrainingConfig, seed: number, cache: DMatrix[]) {
  const booster = Booster.create(boosterParams(set, config, seed), cache);
  const capper = config.age_rule ? new AgeCapper(ageRuleFor(set.features)) : undefined;
  return {
    booster,
    capper,
    round(round: number, train: DMatrix) {
      booster.updateOneIter(round, train);
      capper?.afterRound(booster, round);
    },
  };
}

export interface FitResult {
  booster: Booster;
  /** Best round on the early-stopping holdout (1-based count of trees). */
  bestRounds: number;
  /** Trees in the returned (refitted) booster. */
  rounds: number;
  /** How many of the returned booster's trees are age trees, and how many of those the rule capped. */
  ageRule?: CappingStats;
}

/**
 * Fit honestly: early stopping on a stratified holdout carved out of `rows` (never the rows being
 * evaluated), then a refit on all of `rows` for the found number of rounds, scaled for the extra data.
 */
export function fitWithEarlyStopping(
  set: TrainingSet,
  rows: readonly number[],
  config: TrainingConfig,
  seed: number,
  progress?: Progress,
  copies: RowCopies = config.history_augmentation ? "both" : "plain",
): FitResult {
  const { holdout_fraction, patience, max_rounds, refit, refit_factor } = config.early_stopping;
  const holdout = stratifiedHoldout(rows, set.y, holdout_fraction, seed);
  const dtrain = matrixOf(
    set,
    rows.filter((r) => !holdout.has(r)),
    copies,
  );
  const dvalid = matrixOf(set, [...holdout], copies);
  const metric = String(config.xgboost.eval_metric ?? "logloss");
  const lowerIsBetter = metric !== "auc";
  let best = lowerIsBetter ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  let bestRounds = 0;
  const { booster: probe, round: probeRound } = newBooster(set, config, seed, [dtrain, dvalid]);
  try {
    for (let round = 0; round < max_rounds; round++) {
      probeRound(round, dtrain);
      const score = probe.evaluate(round, { valid: dvalid })[`valid-${metric}`];
      if (score === undefined) throw new Error(`XGBoost reported no valid-${metric}`);
      if (lowerIsBetter ? score < best : score > best) {
        best = score;
        bestRounds = round + 1;
      }
      progress?.update(round + 1);
      progress?.status(`${metric} ${score.toFixed(5)} (best ${best.toFixed(5)} @ ${bestRounds})`);
      if (round + 1 - bestRounds >= patience) break;
    }
    // With plenty of data the held-out share costs nothing: keep the early-stopped model itself.
    if (!refit) return { booster: probe.slice(bestRounds), bestRounds, rounds: bestRounds };
  } finally {
    probe.dispose();
    dtrain.dispose();
    dvalid.dispose();
  }

  const rounds = Math.max(1, Math.round(bestRounds * refit_factor));
  const refitted = fitRounds(set, rows, config, seed, rounds, copies);
  return { ...refitted, bestRounds };
}

/**
 * Fit a fixed number of rounds on all of `rows`, no early stopping: how the served model is trained once
 * its tree count is chosen, and how cross-validation reproduces it (tree-count.ts).
 */
export function fitRounds(
  set: TrainingSet,
  rows: readonly number[],
  config: TrainingConfig,
  seed: number,
  rounds: number,
  copies: RowCopies = config.history_augmentation ? "both" : "plain",
  progress?: Progress,
): Omit<FitResult, "bestRounds"> {
  const dall = matrixOf(set, rows, copies);
  const { booster, capper, round } = newBooster(set, config, seed, [dall]);
  try {
    for (let r = 0; r < rounds; r++) {
      round(r, dall);
      progress?.update(r + 1);
    }
  } catch (error) {
    booster.dispose();
    throw error;
  } finally {
    dall.dispose();
  }
  return { booster, rounds, ...(capper ? { ageRule: capper.stats } : {}) };
}

/** Margins of `rows` as recorded and with their history blanked. */
export function predictMargins(
  booster: Booster,
  set: TrainingSet,
  rows: readonly number[],
): { plain: Float32Array; masked: Float32Array } {
  const dplain = matrixOf(set, rows, "plain");
  const dmasked = matrixOf(set, rows, "masked");
  try {
    return { plain: booster.predict(dplain, "margin"), masked: booster.predict(dmasked, "margin") };
  } finally {
    dplain.dispose();
    dmasked.dispose();
  }
}
