import type { CostModel, DecisionPolicy } from "../../scoring/model-card.ts";
import { decide } from "../../scoring/model-card.ts";

/** Realized profit of one decision on a loan whose outcome is known. */
function profit(
  decision: "approve" | "review" | "decline",
  defaulted: boolean,
  credit: number,
  cost: CostModel,
): number {
  const repaid = cost.interest_margin * credit;
  const lost = cost.loss_given_default * credit;
  switch (decision) {
    case "approve":
      return defaulted ? -lost : repaid;
    case "review":
      return (
        -cost.review_cost +
        (defaulted ? -(1 - cost.review_catch_rate) * lost : (1 - cost.review_false_decline_rate) * repaid)
      );
    case "decline":
      return 0;
  }
}

export interface PolicyOutcome {
  profit: number;
  approved: number;
  reviewed: number;
  declined: number;
  /** Total AMT_CREDIT of defaulters the policy declines outright. */
  defaulted_credit_declined: number;
  /** Profit of approving everyone, the baseline. */
  approve_all_profit: number;
}

export function evaluatePolicy(
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  credit: ArrayLike<number>,
  cost: CostModel,
): PolicyOutcome {
  const out: PolicyOutcome = {
    profit: 0,
    approved: 0,
    reviewed: 0,
    declined: 0,
    defaulted_credit_declined: 0,
    approve_all_profit: 0,
  };
  for (let i = 0; i < labels.length; i++) {
    const decision = decide(probabilities[i]!, policy);
    const defaulted = labels[i] === 1;
    out.profit += profit(decision, defaulted, credit[i]!, cost);
    out.approve_all_profit += profit("approve", defaulted, credit[i]!, cost);
    if (decision === "approve") out.approved++;
    else if (decision === "review") out.reviewed++;
    else {
      out.declined++;
      if (defaulted) out.defaulted_credit_declined += credit[i]!;
    }
  }
  return out;
}

/**
 * The two thresholds that maximise total profit on these (out-of-fold) predictions: rows sorted by
 * probability, every pair of cut points scored in one pass with prefix sums. Thresholds sit halfway
 * between neighbouring predictions.
 */
export function optimisePolicy(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  credit: ArrayLike<number>,
  cost: CostModel,
): DecisionPolicy {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probabilities[a]! - probabilities[b]!);
  const approve = new Float64Array(n + 1);
  const review = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    approve[k + 1] = approve[k]! + profit("approve", labels[i] === 1, credit[i]!, cost);
    review[k + 1] = review[k]! + profit("review", labels[i] === 1, credit[i]!, cost);
  }
  // Cut positions must fall between distinct probabilities, or a threshold could not separate them.
  const cuttable = (k: number) =>
    k === 0 || k === n || probabilities[order[k - 1]!]! < probabilities[order[k]!]!;
  let best = Number.NEGATIVE_INFINITY;
  let bestI = 0;
  let bestJ = 0;
  let prefixBest = Number.NEGATIVE_INFINITY;
  let prefixArg = 0;
  for (let j = 0; j <= n; j++) {
    if (cuttable(j) && approve[j]! - review[j]! > prefixBest) {
      prefixBest = approve[j]! - review[j]!;
      prefixArg = j;
    }
    if (!cuttable(j)) continue;
    const total = prefixBest + review[j]!;
    if (total > best) {
      best = total;
      bestI = prefixArg;
      bestJ = j;
    }
  }
  const threshold = (k: number) => {
    if (k === 0) return 0;
    if (k === n) return 1 + Number.EPSILON;
    return (probabilities[order[k - 1]!]! + probabilities[order[k]!]!) / 2;
  };
  return { approve_below: threshold(bestI), decline_from: threshold(bestJ), cost_model: cost };
}
