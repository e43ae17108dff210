import { hasHistory, routingInput } from "../../scoring/history-routing.ts";
import type { CostModel } from "../../scoring/model-card.ts";
import { stratifiedFolds } from "../evaluation/folds.ts";
import { applyPlatt, fitPlatt } from "./calibration.ts";
import type { CrossValidation } from "./cross-validate.ts";
import type { TrainingSet } from "./dataset.ts";
import { evaluatePolicy, optimisePolicy } from "./policy.ts";

/**
 * The out-of-fold sample everything after model fitting is judged on: the rows a cross-validation
 * scored, their margins and what evaluation needs about them. Calibration and policy are themselves
 * fitted on this sample, so their quality is measured cross-fitted over `folds` (a split of these rows
 * of its own), never on the rows they were fitted to.
 */
export interface OutOfFoldSample {
  /** The rows of the training set, in sample order. */
  rows: Int32Array;
  y: Float64Array;
  credit: Float64Array;
  gender: (string | null)[];
  familyStatus: (string | null)[];
  ageYears: Float64Array;
  /** 1 when the served graph routes the row to the main ensemble (scoring/history-routing.ts). */
  hasHistory: Uint8Array;
  margin: Float64Array;
  marginNoHistory: Float64Array;
  folds: Int32Array;
  foldCount: number;
}

export function outOfFoldSample(
  set: TrainingSet,
  cv: Pick<CrossValidation, "seed" | "evaluated" | "oofMargin" | "oofMarginNoHistory">,
  folds = 5,
): OutOfFoldSample {
  const rows = Array.from(cv.evaluated);
  const y = Float64Array.from(rows, (r) => set.y[r]!);
  return {
    rows: cv.evaluated,
    y,
    credit: Float64Array.from(rows, (r) => set.credit[r]!),
    gender: rows.map((r) => set.gender[r] ?? null),
    familyStatus: rows.map((r) => set.familyStatus[r] ?? null),
    ageYears: Float64Array.from(rows, (r) => set.ageYears[r]!),
    hasHistory: routedToMain(set, rows),
    margin: cv.oofMargin,
    marginNoHistory: cv.oofMarginNoHistory,
    folds: stratifiedFolds(y, folds, cv.seed + 31),
    foldCount: folds,
  };
}

/** Per row: 1 when the served graph scores it with the main ensemble. */
export function routedToMain(set: TrainingSet, rows: readonly number[]): Uint8Array {
  const column = routingInput(set.features.map((f) => f.name));
  const width = set.features.length;
  return Uint8Array.from(rows, (r) =>
    hasHistory(set.X.subarray(r * width, (r + 1) * width), column) ? 1 : 0,
  );
}

/** The served probability of each row: the main ensemble's for rows with history, else the no-history one's. */
export function routed(
  hasHistoryRows: Uint8Array,
  main: Float64Array,
  noHistory: Float64Array,
): Float64Array {
  return Float64Array.from(main, (p, i) => (hasHistoryRows[i] ? p : noHistory[i]!));
}

const pick = (rows: readonly number[], values: ArrayLike<number>) => rows.map((r) => values[r]!);

function split(sample: OutOfFoldSample, k: number): { fit: number[]; test: number[] } {
  const fit: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < sample.y.length; r++) (sample.folds[r] === k ? test : fit).push(r);
  return { fit, test };
}

/**
 * Calibrated probabilities of `margins`, each from a Platt fit on the other folds' `fitOn` margins (the
 * margins of the model that scores them, as the served calibration was fitted).
 */
export function crossFittedProbabilities(
  sample: OutOfFoldSample,
  margins: Float64Array,
  fitOn: Float64Array = margins,
): Float64Array {
  const out = new Float64Array(margins.length);
  for (let k = 0; k < sample.foldCount; k++) {
    const { fit, test } = split(sample, k);
    const calibration = fitPlatt(pick(fit, sample.y), pick(fit, fitOn));
    for (const r of test) out[r] = applyPlatt(calibration, margins[r]!);
  }
  return out;
}

/** The policy's profit when its thresholds are chosen on the other folds: an honest profit estimate. */
export function crossFittedProfit(
  sample: OutOfFoldSample,
  probabilities: Float64Array,
  cost: CostModel,
): number {
  let total = 0;
  for (let k = 0; k < sample.foldCount; k++) {
    const { fit, test } = split(sample, k);
    const policy = optimisePolicy(
      pick(fit, probabilities),
      pick(fit, sample.y),
      pick(fit, sample.credit),
      cost,
    );
    total += evaluatePolicy(
      policy,
      pick(test, probabilities),
      pick(test, sample.y),
      pick(test, sample.credit),
      cost,
    ).profit;
  }
  return total;
}
