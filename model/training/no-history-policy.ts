import type { CostModel, DecisionPolicy } from "../../scoring/model-card.ts";
import type { OutOfFoldSample } from "./out-of-fold.ts";
import { evaluatePolicy, optimisePolicy, type PolicyOutcome } from "./policy.ts";

/**
 * Whether clients scored by the no-history ensemble need thresholds of their own, decided by a rule fixed
 * before measuring: only when thresholds chosen on that ensemble's probabilities raise the segment's
 * cross-fitted profit by more than `min_gain` of its profit under the shared thresholds. Calibrated
 * probabilities from either ensemble mean the same risk, so the profit-maximising cut points should
 * coincide; the rule checks that they do.
 */
export const SEGMENT_THRESHOLD_RULE = { min_gain: 0.01 } as const;

export interface SegmentPolicy {
  rows: number;
  defaults: number;
  /** Bands and profit under the served (shared) thresholds, on these rows. */
  shared: PolicyOutcome & { approval_rate: number; review_rate: number; decline_rate: number };
  /** Thresholds optimised on these rows alone (in-sample), for comparison. */
  own_thresholds?: { approve_below: number; decline_from: number };
  /** Cross-fitted profit: thresholds chosen on the other folds, from all rows' served probabilities or from this segment's. */
  profit_cross_fitted_shared?: number;
  profit_cross_fitted_own?: number;
  needs_own_thresholds?: boolean;
  decision?: string;
}

const withRates = (outcome: PolicyOutcome, n: number) => ({
  ...outcome,
  approval_rate: outcome.approved / n,
  review_rate: outcome.reviewed / n,
  decline_rate: outcome.declined / n,
});

function subset(values: ArrayLike<number>, rows: readonly number[]): number[] {
  return rows.map((r) => values[r]!);
}

/**
 * The no-history segment's bands and profit. `segment` are its rows in `sample`; `probabilities` the
 * no-history ensemble's for every row of the sample, `served` every row's served probability (what the
 * shared thresholds were chosen on). With `compareThresholds`, also the own-threshold comparison.
 */
export function segmentPolicy(
  sample: OutOfFoldSample,
  segment: readonly number[],
  probabilities: Float64Array,
  served: Float64Array,
  policy: DecisionPolicy,
  compareThresholds: boolean,
): SegmentPolicy {
  const cost: CostModel = policy.cost_model;
  const y = subset(sample.y, segment);
  const credit = subset(sample.credit, segment);
  const p = subset(probabilities, segment);
  const out: SegmentPolicy = {
    rows: segment.length,
    defaults: y.reduce((s, v) => s + v, 0),
    shared: withRates(evaluatePolicy(policy, p, y, credit, cost), segment.length),
  };
  if (!compareThresholds) return out;
  const own = optimisePolicy(p, y, credit, cost);
  out.own_thresholds = { approve_below: own.approve_below, decline_from: own.decline_from };
  let shared = 0;
  let separate = 0;
  const inSegment = new Set(segment);
  for (let k = 0; k < sample.foldCount; k++) {
    const fitAll: number[] = [];
    const fitSegment: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < sample.y.length; r++) {
      if (sample.folds[r] === k) {
        if (inSegment.has(r)) test.push(r);
      } else {
        fitAll.push(r);
        if (inSegment.has(r)) fitSegment.push(r);
      }
    }
    const sharedPolicy = optimisePolicy(
      subset(served, fitAll),
      subset(sample.y, fitAll),
      subset(sample.credit, fitAll),
      cost,
    );
    const ownPolicy = optimisePolicy(
      subset(probabilities, fitSegment),
      subset(sample.y, fitSegment),
      subset(sample.credit, fitSegment),
      cost,
    );
    const score = (chosen: DecisionPolicy) =>
      evaluatePolicy(
        chosen,
        subset(probabilities, test),
        subset(sample.y, test),
        subset(sample.credit, test),
        cost,
      ).profit;
    shared += score(sharedPolicy);
    separate += score(ownPolicy);
  }
  out.profit_cross_fitted_shared = shared;
  out.profit_cross_fitted_own = separate;
  const gain = (separate - shared) / Math.abs(shared);
  out.needs_own_thresholds = gain > SEGMENT_THRESHOLD_RULE.min_gain;
  out.decision = `own thresholds change the segment's cross-fitted profit by ${(gain * 100).toFixed(2)} % (rule: adopt above ${(SEGMENT_THRESHOLD_RULE.min_gain * 100).toFixed(0)} %): ${out.needs_own_thresholds ? "needs its own thresholds" : "the shared thresholds serve it"}`;
  return out;
}
