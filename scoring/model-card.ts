import type { FactorTable } from "../features/reason-codes.ts";
import type { FeatureKind } from "../features/registry.ts";
import type { TrainingBaseline } from "../monitoring/baseline.ts";

/**
 * The model card (model/artifacts/model.json): what the model is, what it was trained on, how well it
 * does, and everything serving needs besides the ONNX graph. Written by training, read by offline scoring
 * and the Worker.
 */
export interface ModelCard {
  /** Content hash of the ONNX model and the serving-relevant card fields. */
  version: string;
  created_at: string;
  library: { name: "xgboost"; version: string };
  objective: "binary:logistic";
  training_data: {
    /** Hash of the training matrix and labels: same data, same fingerprint. */
    fingerprint: string;
    rows: number;
    positives: number;
    warehouse: string;
  };
  /** Model inputs, in the order of the ONNX input's columns. */
  features: CardFeature[];
  feature_schema_hash: string;
  /** The registry's history features in packed-vector order (what a D1 vector holds). */
  packed_history_features: string[];
  excluded_attributes: string[];
  /** Calibration of the main ensemble's margin. */
  calibration: Calibration;
  /** The second ensemble, for clients without any history, when the model has one. */
  no_history?: NoHistoryModel;
  policy: DecisionPolicy;
  metrics: ModelMetrics;
  hyperparameters: Record<string, unknown>;
  // Lender-ready decisions (issue 13): the reason-code table resolved for these inputs (age-based factors
  // marked), global factor importance, and the training baseline `monitor` compares live decisions with.
  // Optional: cards written before them still load (the table is then resolved at load time).
  reason_codes?: FactorTable;
  factor_importance?: FactorImportance[];
  baseline?: TrainingBaseline;
  onnx: {
    file: string;
    sha256: string;
    input: string;
    output: string;
    trees: number;
    opset: number;
    ml_opset: number;
  };
}

/** A reason-code factor's global importance: mean |summed TreeSHAP contribution| over training rows. */
export interface FactorImportance {
  code: string;
  statement: string;
  age_based: boolean;
  /** In calibrated log-odds, like the features' importance. */
  mean_abs_contribution: number;
}

export interface CardFeature {
  name: string;
  type: FeatureKind;
  group: "application" | "history";
  source: string;
  description: string;
  vocabulary?: string[];
}

/**
 * The ensemble that scores a client whose history inputs are all missing (a new applicant), trained on
 * application features alone. The ONNX graph holds both ensembles and picks per row.
 */
export interface NoHistoryModel {
  /** Its XGBoost model beside model.onnx (the parity reference). */
  booster_file: string;
  calibration: Calibration;
  trees: number;
}

/** Platt scaling of the booster's margin: p = sigmoid(slope * margin + intercept). */
export interface Calibration {
  method: "platt";
  slope: number;
  intercept: number;
}

/** Profit of one loan decision, as fractions of AMT_CREDIT plus a fixed review cost. */
export interface CostModel {
  /** Earned on a repaid loan. */
  interest_margin: number;
  /** Lost on a defaulted loan. */
  loss_given_default: number;
  /** Cost of one manual review, in currency units. */
  review_cost: number;
  /** Share of would-be defaulters a review turns down. */
  review_catch_rate: number;
  /** Share of good clients a review turns down by mistake. */
  review_false_decline_rate: number;
}

export interface DecisionPolicy {
  /** Calibrated probability below which a loan is approved. */
  approve_below: number;
  /** Calibrated probability from which a loan is declined; in between, it goes to review. */
  decline_from: number;
  cost_model: CostModel;
}

export interface Summary {
  mean: number;
  sd: number;
  per_seed: number[];
}

export interface ModelMetrics {
  cv_auc: Summary;
  cv_auc_no_history: Summary;
  brier: number;
  ece: number;
  [name: string]: unknown;
}

export type Decision = "approve" | "review" | "decline";

export function decide(
  probability: number,
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
): Decision {
  if (probability < policy.approve_below) return "approve";
  if (probability >= policy.decline_from) return "decline";
  return "review";
}
