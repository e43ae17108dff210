import type { FactorImportance } from "../../scoring/model-card.ts";
import type { Point } from "../evaluation/curves.ts";
import type { FairnessSlice } from "../evaluation/fairness.ts";
import type { CalibrationBin } from "../evaluation/metrics.ts";

/** Everything the report draws, computed by training on out-of-fold predictions. */
export interface ReportData {
  roc: Point[];
  rocNoHistory: Point[];
  pr: Point[];
  calibration: CalibrationBin[];
  histograms: { edges: number[]; defaulted: number[]; repaid: number[] };
  profitCurve: {
    thresholds: number[];
    declineFromVaried: number[];
    approveBelowVaried: number[];
    chosen: { approve_below: number; decline_from: number };
  };
  importance: { feature: string; description: string; mean_abs_contribution: number }[];
  /** Reason-code factors' importance (issue 13); absent in reports rendered before it. */
  factorImportance?: FactorImportance[];
  fairness: { byGender: FairnessSlice[]; byAge: FairnessSlice[] };
  auc: number;
  /** The untouched test part, scored by the model trained without it. */
  rocUntouched: Point[];
  calibrationUntouched: CalibrationBin[];
}
