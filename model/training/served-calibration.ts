import type { Calibration } from "../../scoring/model-card.ts";
import {
  brier,
  type CalibrationBin,
  calibrationBins,
  expectedCalibrationError,
} from "../evaluation/metrics.ts";
import { type RecalibrationTest, recalibrationTest } from "../evaluation/recalibration.ts";
import { applyPlatt, fitPlatt } from "./calibration.ts";
import { crossFittedProbabilities, type OutOfFoldSample } from "./out-of-fold.ts";

/** How one ensemble's calibration was checked on served-like margins, and which one is served. */
export interface CalibrationCheck {
  /** Platt scaling fitted on the early-stopped CV fold models' out-of-fold margins. */
  cv_calibration: Calibration;
  /** That calibration applied to the margins of fold models trained as the served one is. */
  with_cv_calibration: { ece: number; brier: number; deciles: CalibrationBin[]; test: RecalibrationTest };
  /** Platt scaling fitted on those served-like margins; its quality cross-fitted over 5 folds of them. */
  refit_calibration: Calibration;
  with_refit_calibration: { ece: number; brier: number; deciles: CalibrationBin[] };
  /** Cox's test found drift: the refit calibration is served. */
  drifted: boolean;
  served: "cv_calibration" | "refit_calibration";
}

export interface ServedCalibration {
  main: Calibration;
  noHistory: Calibration;
  /** Out-of-fold probabilities of the served-like margins under the served calibrations (cross-fitted when refit). */
  probabilities: Float64Array;
  probabilitiesNoHistory: Float64Array;
  check: { main: CalibrationCheck; no_history: CalibrationCheck };
}

function check(
  earlyStopped: OutOfFoldSample,
  esMargins: Float64Array,
  served: OutOfFoldSample,
  margins: Float64Array,
): { result: CalibrationCheck; probabilities: Float64Array } {
  const cv = fitPlatt(earlyStopped.y, esMargins);
  const direct = Float64Array.from(margins, (m) => applyPlatt(cv, m));
  const test = recalibrationTest(served.y, direct);
  const refit = fitPlatt(served.y, margins);
  const crossFitted = crossFittedProbabilities(served, margins);
  const summary = (p: Float64Array) => ({
    ece: expectedCalibrationError(served.y, p),
    brier: brier(served.y, p),
    deciles: calibrationBins(served.y, p, 10),
  });
  const drifted = test.drifts;
  return {
    result: {
      cv_calibration: cv,
      with_cv_calibration: { ...summary(direct), test },
      refit_calibration: refit,
      with_refit_calibration: summary(crossFitted),
      drifted,
      served: drifted ? "refit_calibration" : "cv_calibration",
    },
    probabilities: drifted ? crossFitted : direct,
  };
}

/**
 * The served calibrations. Platt scaling is fitted on the early-stopped CV models' out-of-fold margins,
 * then applied to the out-of-fold margins of fold models trained the way the served model is (the served
 * tree count, no early stopping); where Cox's recalibration test finds it drifts there, the calibration is
 * refitted on those served-like margins instead. Both are recorded.
 */
export function servedCalibration(earlyStopped: OutOfFoldSample, served: OutOfFoldSample): ServedCalibration {
  const main = check(earlyStopped, earlyStopped.margin, served, served.margin);
  const noHistory = check(earlyStopped, earlyStopped.marginNoHistory, served, served.marginNoHistory);
  const pick = (c: CalibrationCheck) => (c.drifted ? c.refit_calibration : c.cv_calibration);
  return {
    main: pick(main.result),
    noHistory: pick(noHistory.result),
    probabilities: main.probabilities,
    probabilitiesNoHistory: noHistory.probabilities,
    check: { main: main.result, no_history: noHistory.result },
  };
}
