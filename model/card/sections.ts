import type { BenchmarkResult } from "../benchmark/benchmark.ts";
import type { Estimate } from "../evaluation/bootstrap.ts";
import type { HeldOutMetrics, SegmentResult } from "../evaluation/held-out.ts";
import type { RecalibrationTest } from "../evaluation/recalibration.ts";
import type { AgeRuleCheck } from "../fair-lending/age-rule.ts";
import type { FairnessResult } from "../fair-lending/fairness-analysis.ts";
import type { ProxyReviewEntry } from "../fair-lending/proxy-review.ts";
import type { CostSensitivityRow } from "../training/cost-sensitivity.ts";
import type { SegmentPolicy } from "../training/no-history-policy.ts";
import type { PolicyOutcome } from "../training/policy.ts";
import type { CalibrationCheck } from "../training/served-calibration.ts";
import type { TableCoverage } from "./coverage.ts";
import type { INTENDED_USE, monitoringSection, TARGET } from "./narrative.ts";

type Rates = { approval_rate: number; review_rate: number; decline_rate: number };

/** The sections a model-risk validator reads, beside the serving fields of the card (model.json). */
export interface ValidatorSections {
  intended_use: typeof INTENDED_USE;
  target: typeof TARGET & { coverage: TableCoverage[]; training_rows: number; positives: number };
  validation: {
    tuning_protocol: string[];
    untouched_test: {
      fraction: number;
      seed: number;
      stratified: true;
      rows: number;
      positives: number;
      /** SK_ID_CURR of every row of the untouched part. */
      ids: number[];
      model: string;
      metrics: HeldOutMetrics;
      /** The same rows with their history blanked, scored by the no-history ensemble (new applicants). */
      metrics_history_masked: HeldOutMetrics;
      /** Clients of the untouched part without any history source. */
      zero_history: SegmentResult;
      recalibration_test: RecalibrationTest;
      policy_outcome: PolicyOutcome & Rates;
    };
    cross_validation: {
      rows: number;
      cv_auc: { mean: number; per_seed: number[] };
      /** DeLong 95% interval of the pooled out-of-fold AUC, averaged over the fold seeds. */
      cv_auc_pooled: Estimate & { se: number };
      cv_auc_no_history_pooled: Estimate & { se: number };
      /** The clients without any history source, out of fold (the no-history ensemble scores them). */
      zero_history: { rows: number; defaults: number; auc: number | null; auc_main_ensemble: number | null };
    };
    served_model: {
      refit_on_all_rows: boolean;
      rows: number;
      tree_count_rule: string;
      trees: { main: number; no_history: number };
      cv_best_rounds: { main: number[]; no_history: number[] };
    };
    calibration: { main: CalibrationCheck; no_history: CalibrationCheck; description: string };
  };
  segments: {
    sample: string;
    contract_type: SegmentResult[];
    income_type: SegmentResult[];
    history: SegmentResult[];
  };
  benchmark: BenchmarkResult & { gbdt_untouched_auc: Estimate };
  routing: {
    rule: string;
    training_rows: number;
    main_ensemble: number;
    no_history_ensemble: number;
    share_main: number;
    share_no_history: number;
  };
  fair_lending: {
    age_rule: {
      regulation: string;
      rule: string;
      enforcement: string[];
      age_based_inputs: string[];
      elderly_threshold_years: number;
      served_trees: { main: AgeRuleCheck; no_history?: AgeRuleCheck };
      training_elderly_rows: number;
      /** The largest summed age-derived contribution over the training applicants aged 62+ (≤ 0). */
      max_age_contribution_elderly: number;
    };
    untouched_test: FairnessResult;
    development_out_of_fold: FairnessResult;
    approval: string;
    /** What the flags mean, per flagged group of the untouched part. */
    findings: string[];
    proxy_review: { rule: string; candidates: ProxyReviewEntry[] } | { skipped: string };
  };
  policy_evaluation: {
    profit_cross_fitted: number;
    profit_in_sample: number;
    profit_untouched_test: number;
    no_history_segment: { new_applicants: SegmentPolicy; zero_history_clients: SegmentPolicy };
  };
  cost_sensitivity: { description: string; rows: CostSensitivityRow[] };
  monitoring: ReturnType<typeof monitoringSection>;
}
