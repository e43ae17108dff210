import { isWithheld } from "../../features/application/withheld-values.ts";
import type { ProgressFactory } from "../../lib/progress.ts";
import type { DecisionPolicy } from "../../scoring/model-card.ts";
import type { BootstrapSettings } from "../evaluation/held-out.ts";
import { auc } from "../evaluation/metrics.ts";
import type { TrainingConfig } from "../training/config.ts";
import { type CrossValidation, crossValidate } from "../training/cross-validate.ts";
import { type TrainingSet, withColumn } from "../training/dataset.ts";
import { crossFittedProbabilities, outOfFoldSample } from "../training/out-of-fold.ts";
import type { TreeCount } from "../training/tree-count.ts";
import type { AdverseImpact } from "./adverse-impact.ts";
import { adverseImpactByGrouping, type Grouping } from "./fairness-analysis.ts";

/** Inputs (or one category of an input) that may stand in for a protected attribute. */
export interface ProxyCandidate {
  input: string;
  /** The category under review; the whole input when absent. */
  value?: string;
  stands_in_for: string;
  /** The grouping whose adverse-impact ratios it could move (none recorded for religion). */
  grouping: Grouping | null;
}

export const PROXY_CANDIDATES: readonly ProxyCandidate[] = [
  {
    input: "NAME_TYPE_SUITE",
    value: "Spouse, partner",
    stands_in_for: "marital status",
    grouping: "marital_status",
  },
  { input: "CNT_FAM_MEMBERS", stands_in_for: "marital status", grouping: "marital_status" },
  { input: "NAME_INCOME_TYPE", value: "Maternity leave", stands_in_for: "sex", grouping: "sex" },
  { input: "NAME_INCOME_TYPE", value: "Pensioner", stands_in_for: "age", grouping: "age_band" },
  { input: "ORGANIZATION_TYPE", value: "Religion", stands_in_for: "religion", grouping: null },
  { input: "DAYS_ID_PUBLISH", stands_in_for: "age", grouping: "age_band" },
];

/**
 * The decision rule, fixed before any candidate was measured (and measured on the development part only):
 * - a category with fewer than `evidence_floor` training rows gives no empirical evidence, so no
 *   empirically derived, statistically sound system can score it: it is withheld (encoded as missing,
 *   features/application/withheld-values.ts);
 * - otherwise the candidate is dropped when dropping it costs at most `max_auc_cost` CV AUC (the noise
 *   level at this size) and raises the lowest adverse-impact ratio of its grouping by at least
 *   `min_ratio_gain` (a less discriminatory alternative at no material cost); else it is kept, with its
 *   figures on record for monitoring.
 */
export const PROXY_RULE = { evidence_floor: 30, max_auc_cost: 0.002, min_ratio_gain: 0.01 } as const;

export interface ProxyReviewEntry extends ProxyCandidate {
  /** Training rows with this category (or with the input present). */
  training_rows: number;
  /** Pooled out-of-fold AUC of the main ensemble on the development part, with and without it. */
  auc_with?: number;
  auc_without?: number;
  auc_change?: number;
  /** Adverse-impact ratios of every grouping, with and without it (served thresholds). */
  adverse_impact_with?: Record<Grouping, AdverseImpact[]>;
  adverse_impact_without?: Record<Grouping, AdverseImpact[]>;
  /** The lowest ratio of its grouping, with and without it. */
  lowest_ratio_with?: number;
  lowest_ratio_without?: number;
  decision: "keep" | "drop" | "withheld";
  /** Whether the served model follows the decision (a "drop" the feature code does not apply yet is false). */
  applied: boolean;
  reason: string;
}

const lowest = (impacts: AdverseImpact[]) => Math.min(...impacts.map((i) => i.ratio));

/**
 * The proxy review: for each candidate, the effect of dropping it (its category encoded as missing, or the
 * whole input) on the main ensemble's CV AUC and on the adverse-impact ratios, measured the way the served
 * model is trained (served tree count, development folds), and the decision by PROXY_RULE.
 */
export function proxyReview(
  set: TrainingSet,
  config: TrainingConfig,
  trees: TreeCount,
  baseline: CrossValidation,
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
  settings: BootstrapSettings,
  progress: ProgressFactory,
): ProxyReviewEntry[] {
  const evaluate = (cv: CrossValidation) => {
    const sample = outOfFoldSample(set, cv);
    const probabilities = crossFittedProbabilities(sample, sample.margin);
    return {
      auc: auc(sample.y, cv.oofMargin),
      impact: adverseImpactByGrouping(sample, probabilities, policy, settings),
    };
  };
  const base = evaluate(baseline);
  const width = set.features.length;
  return PROXY_CANDIDATES.map((candidate): ProxyReviewEntry => {
    const column = set.features.findIndex((f) => f.name === candidate.input);
    if (column < 0) throw new Error(`proxy review: ${candidate.input} is not a model input`);
    const vocabulary = set.features[column]!.vocabulary;
    const code = candidate.value === undefined ? undefined : vocabulary?.indexOf(candidate.value);
    if (code !== undefined && code < 0)
      throw new Error(`proxy review: ${candidate.input} has no category ${candidate.value}`);
    if (candidate.value !== undefined && isWithheld(candidate.input, candidate.value)) {
      const rows = set.withheldCounts[`${candidate.input}=${candidate.value}`] ?? 0;
      return {
        ...candidate,
        training_rows: rows,
        decision: "withheld",
        applied: true,
        reason: `${rows} training rows (evidence floor ${PROXY_RULE.evidence_floor}): no empirical evidence to score it; encoded as missing by features/application/withheld-values.ts, so dropping it changes nothing measurable`,
      };
    }
    let rows = 0;
    for (let r = 0; r < set.rows; r++) {
      const v = set.X[r * width + column]!;
      if (code === undefined ? !Number.isNaN(v) : v === code) rows++;
    }
    const ablated = withColumn(set, column, (v) => (code === undefined || v === code ? Number.NaN : v));
    const cv = crossValidate(ablated, config, baseline.seed, progress, { trees, mainOnly: true });
    const without = evaluate(cv);
    const change = without.auc - base.auc;
    const entry: ProxyReviewEntry = {
      ...candidate,
      training_rows: rows,
      auc_with: base.auc,
      auc_without: without.auc,
      auc_change: change,
      adverse_impact_with: base.impact,
      adverse_impact_without: without.impact,
      decision: "keep",
      applied: true,
      reason: "",
    };
    if (rows < PROXY_RULE.evidence_floor) {
      entry.decision = "withheld";
      entry.applied = false;
      entry.reason = `${rows} training rows, below the evidence floor of ${PROXY_RULE.evidence_floor}: to be withheld in features/application/withheld-values.ts`;
      return entry;
    }
    const grouping = candidate.grouping;
    const gain = grouping ? lowest(without.impact[grouping]) - lowest(base.impact[grouping]) : 0;
    if (grouping) {
      entry.lowest_ratio_with = lowest(base.impact[grouping]);
      entry.lowest_ratio_without = lowest(without.impact[grouping]);
    }
    const cheap = -change <= PROXY_RULE.max_auc_cost;
    const fairer = gain >= PROXY_RULE.min_ratio_gain;
    entry.decision = cheap && fairer ? "drop" : "keep";
    entry.applied = entry.decision === "keep";
    entry.reason = `dropping it changes CV AUC by ${change >= 0 ? "+" : ""}${change.toFixed(4)} (${cheap ? "no cost beyond" : "a cost beyond"} the ${PROXY_RULE.max_auc_cost} noise level) and the lowest ${grouping ?? "(no grouping)"} adverse-impact ratio by ${gain >= 0 ? "+" : ""}${gain.toFixed(3)} (${fairer ? "at least" : "less than"} ${PROXY_RULE.min_ratio_gain}): ${entry.decision}`;
    return entry;
  });
}
