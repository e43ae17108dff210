import type { Estimate } from "../evaluation/bootstrap.ts";
import { delongAuc } from "../evaluation/delong.ts";
import { stratifiedFolds } from "../evaluation/folds.ts";
import { type BootstrapSettings, type HeldOutMetrics, heldOutMetrics } from "../evaluation/held-out.ts";
import { auc, brier, expectedCalibrationError, mean } from "../evaluation/metrics.ts";
import { applyPlatt, fitPlatt } from "../training/calibration.ts";
import { evaluatedFolds, type TrainingConfig } from "../training/config.ts";
import type { TrainingSet } from "../training/dataset.ts";
import { crossFittedProbabilities, outOfFoldSample } from "../training/out-of-fold.ts";
import { fitScorecard, SCORECARD } from "./scorecard.ts";

export interface BenchmarkResult {
  model: string;
  library: string;
  settings: typeof SCORECARD;
  cv_auc: number;
  cv_auc_pooled: Estimate;
  fold_auc: number[];
  brier: number;
  ece: number;
  untouched_test: HeldOutMetrics;
}

/**
 * The scorecard trained the way the GBDT is: the same development folds (fold seed), Platt scaling on its
 * out-of-fold margins (quality cross-fitted), then fitted on the whole development part and scored on the
 * untouched part with that calibration.
 */
export function benchmark(
  dev: TrainingSet,
  test: TrainingSet,
  config: TrainingConfig,
  settings: BootstrapSettings,
): BenchmarkResult {
  const fold = stratifiedFolds(dev.y, config.folds, config.seed);
  const evaluated: number[] = [];
  const margins: number[] = [];
  const foldAuc: number[] = [];
  for (let k = 0; k < evaluatedFolds(config); k++) {
    const train: number[] = [];
    const held: number[] = [];
    for (let r = 0; r < dev.rows; r++) (fold[r] === k ? held : train).push(r);
    const card = fitScorecard(dev, train);
    const m = card.margins(held);
    card.dispose();
    evaluated.push(...held);
    margins.push(...m);
    foldAuc.push(
      auc(
        held.map((r) => dev.y[r]!),
        m,
      ),
    );
  }
  const oof = Float64Array.from(margins);
  const sample = outOfFoldSample(dev, {
    seed: config.seed,
    evaluated: Int32Array.from(evaluated),
    oofMargin: oof,
    oofMarginNoHistory: oof,
  });
  const probabilities = crossFittedProbabilities(sample, oof);
  const calibration = fitPlatt(sample.y, oof);
  const final = fitScorecard(
    dev,
    Array.from({ length: dev.rows }, (_, i) => i),
  );
  const testMargins = final.margins(
    Array.from({ length: test.rows }, (_, i) => i),
    test,
  );
  final.dispose();
  return {
    model:
      "logistic-regression scorecard: weight-of-evidence bins of every model input, L2-penalised logistic regression",
    library:
      "XGBoost gblinear (L2-penalised logistic regression, shotgun updater on one thread), the trainer's own library",
    settings: SCORECARD,
    cv_auc: mean(foldAuc),
    cv_auc_pooled: delongAuc(sample.y, oof),
    fold_auc: foldAuc,
    brier: brier(sample.y, probabilities),
    ece: expectedCalibrationError(sample.y, probabilities),
    untouched_test: heldOutMetrics(
      test.y,
      Float64Array.from(testMargins, (m) => applyPlatt(calibration, m)),
      settings,
    ),
  };
}
