import type { CostModel, DecisionPolicy } from "../../scoring/model-card.ts";
import type { OutOfFoldSample } from "./out-of-fold.ts";
import { crossFittedProfit } from "./out-of-fold.ts";
import { evaluatePolicy, optimisePolicy } from "./policy.ts";

/** Each cost parameter over a sensible range, the others held at the config's values. */
export const COST_RANGES: Readonly<Partial<Record<keyof CostModel, readonly number[]>>> = {
  interest_margin: [0.08, 0.1, 0.12, 0.15, 0.18],
  loss_given_default: [0.4, 0.5, 0.6, 0.7, 0.8],
  review_catch_rate: [0.2, 0.3, 0.4, 0.5, 0.6],
  review_false_decline_rate: [0.05, 0.1, 0.15, 0.2, 0.25],
};

export interface CostSensitivityRow {
  parameter: keyof CostModel;
  value: number;
  /** Thresholds re-optimised for this cost model on the development out-of-fold probabilities. */
  approve_below: number;
  decline_from: number;
  approval_rate: number;
  review_rate: number;
  decline_rate: number;
  /** In-sample: thresholds chosen and scored on the same rows. */
  profit_in_sample: number;
  /** Thresholds chosen on the other folds: the honest figure. */
  profit_cross_fitted: number;
  /** The served thresholds, kept, under this cost model. */
  profit_served_thresholds: number;
  approve_all_profit: number;
}

export function costSensitivity(
  sample: OutOfFoldSample,
  probabilities: Float64Array,
  served: DecisionPolicy,
): CostSensitivityRow[] {
  const rows: CostSensitivityRow[] = [];
  for (const [parameter, values] of Object.entries(COST_RANGES) as [keyof CostModel, number[]][]) {
    for (const value of values) {
      const cost: CostModel = { ...served.cost_model, [parameter]: value };
      const policy = optimisePolicy(probabilities, sample.y, sample.credit, cost);
      const outcome = evaluatePolicy(policy, probabilities, sample.y, sample.credit, cost);
      const n = sample.y.length;
      rows.push({
        parameter,
        value,
        approve_below: policy.approve_below,
        decline_from: policy.decline_from,
        approval_rate: outcome.approved / n,
        review_rate: outcome.reviewed / n,
        decline_rate: outcome.declined / n,
        profit_in_sample: outcome.profit,
        profit_cross_fitted: crossFittedProfit(sample, probabilities, cost),
        profit_served_thresholds: evaluatePolicy(served, probabilities, sample.y, sample.credit, cost).profit,
        approve_all_profit: outcome.approve_all_profit,
      });
    }
  }
  return rows;
}
