import { factorTable } from "../../features/reason-codes.ts";
import type { FeatureRegistry } from "../../features/registry.ts";
import type { ProgressFactory } from "../../lib/progress.ts";
import { trainingBaseline } from "../../monitoring/baseline.ts";
import { servedProbabilities } from "../../monitoring/served-probabilities.ts";
import type { Calibration, CardFeature, ModelCard } from "../../scoring/model-card.ts";
import { ONNX_IO, readOnnxModel } from "../../scoring/onnx-model.ts";
import { classHistograms, precisionRecallCurve, rocCurve } from "../evaluation/curves.ts";
import { factorImportance } from "../evaluation/factor-importance.ts";
import { AGE_BANDS, ageBand, fairnessSlices } from "../evaluation/fairness.ts";
import {
  auc,
  brier,
  calibrationBins,
  expectedCalibrationError,
  logLoss,
  mean,
  sd,
} from "../evaluation/metrics.ts";
import { exportOnnx, ML_OPSET, type NoHistoryEnsemble, OPSET } from "../onnx/export-onnx.ts";
import { NO_HISTORY_BOOSTER_FILE } from "../publish/artifact-files.ts";
import type { ReportData } from "../report/report-data.ts";
import { ensembleFromXGBoostJson } from "../xgboost/ensemble-from-json.ts";
import { xgboostVersion } from "../xgboost/native.ts";
import { fitPlatt } from "./calibration.ts";
import { evaluatedFolds, type TrainingConfig } from "./config.ts";
import { type CrossValidation, crossValidate } from "./cross-validate.ts";
import type { TrainingSet } from "./dataset.ts";
import { fitWithEarlyStopping, matrixOf } from "./fit.ts";
import {
  crossFittedProbabilities,
  crossFittedProfit,
  type OutOfFoldSample,
  outOfFoldSample,
} from "./out-of-fold.ts";
import { evaluatePolicy, optimisePolicy } from "./policy.ts";

export interface TrainedModel {
  onnx: Uint8Array;
  /** XGBoost's own JSON model: the reference the ONNX export is checked against. */
  boosterJson: string;
  /** The no-history ensemble's XGBoost JSON model, when there is one. */
  noHistoryBoosterJson?: string;
  /** The card without `version`, `created_at` and the ONNX hash, which publishing fills in. */
  card: Omit<ModelCard, "version" | "created_at" | "onnx"> & { onnx: Omit<ModelCard["onnx"], "sha256"> };
  report: ReportData;
}

export function trainModel(
  set: TrainingSet,
  registry: FeatureRegistry,
  config: TrainingConfig,
  seeds: number,
  warehouse: string,
  progress: ProgressFactory,
): TrainedModel {
  // 1. Honest evaluation: repeated stratified CV, early stopping inside the training folds.
  const repeats: CrossValidation[] = [];
  for (let s = 0; s < seeds; s++) repeats.push(crossValidate(set, config, config.seed + s, progress));
  const first = repeats[0]!;

  // 2. Calibration on out-of-fold margins, one per ensemble; its quality measured cross-fitted.
  const sample = outOfFoldSample(set, first);
  const calibration = fitPlatt(sample.y, sample.margin);
  const calibrationNoHistory = config.no_history_model
    ? fitPlatt(sample.y, sample.marginNoHistory)
    : undefined;
  const probabilities = crossFittedProbabilities(sample, sample.margin);
  // Without a no-history ensemble, blanked rows go through the main ensemble's calibration.
  const probabilitiesNoHistory = crossFittedProbabilities(
    sample,
    sample.marginNoHistory,
    config.no_history_model ? sample.marginNoHistory : sample.margin,
  );

  // 3. Decision policy: thresholds maximising profit on out-of-fold probabilities.
  const policy = optimisePolicy(probabilities, sample.y, sample.credit, config.cost_model);
  const outcome = evaluatePolicy(policy, probabilities, sample.y, sample.credit, config.cost_model);
  const profitCrossFitted = crossFittedProfit(sample, probabilities, config.cost_model);

  // 4. The served model: all labelled rows, early stopping on a holdout, refit.
  const bar = progress({ label: "final model", total: config.early_stopping.max_rounds, unit: "rounds" });
  const final = fitWithEarlyStopping(
    set,
    Array.from({ length: set.rows }, (_, i) => i),
    config,
    config.seed,
    bar,
  );
  bar.stop();
  const boosterJson = final.booster.toJson();
  const ensemble = ensembleFromXGBoostJson(boosterJson, set.features.length);
  const noHistory = calibrationNoHistory
    ? fitNoHistoryModel(set, config, calibrationNoHistory, progress)
    : undefined;
  const onnx = exportOnnx(ensemble, calibration, "credit-edge", noHistory);

  // 5. Global importance: mean |SHAP| over (a fixed sample of) the training rows, in calibrated log-odds.
  const step = Math.max(1, Math.floor(set.rows / config.importance_rows));
  const explained = Array.from({ length: Math.ceil(set.rows / step) }, (_, i) => i * step);
  const matrix = matrixOf(set, explained, "plain");
  const contributions = final.booster.predict(matrix, "contributions");
  matrix.dispose();
  final.booster.dispose();
  const width = set.features.length + 1;
  const importance = set.features
    .map((f, j) => {
      let sum = 0;
      for (let r = 0; r < explained.length; r++) sum += Math.abs(contributions[r * width + j]!);
      return {
        feature: f.name,
        description: f.description,
        mean_abs_contribution: (calibration.slope * sum) / explained.length,
      };
    })
    .sort((a, b) => b.mean_abs_contribution - a.mean_abs_contribution);

  // Lender-ready decisions (issue 13): the reason-code table with its factors' importance, and the
  // training baseline `monitor` compares live decisions with (the served graph's probabilities).
  const reasonCodes = factorTable(set.features);
  const factorImportanceList = factorImportance(
    contributions,
    explained.length,
    width,
    calibration.slope,
    reasonCodes,
  );
  const baseline = trainingBaseline(
    set.X,
    set.rows,
    set.features.map((f) => ({ name: f.name, type: f.kind })),
    servedProbabilities(readOnnxModel(onnx), set.X, set.rows),
  );

  const byGender = fairnessSlices(sample.gender, sample.y, probabilities, policy);
  const byAge = fairnessSlices(
    Array.from(sample.ageYears, ageBand),
    sample.y,
    probabilities,
    policy,
    AGE_BANDS,
  );
  const perSeed = (f: (cv: CrossValidation) => number) => {
    const values = repeats.map(f);
    return { mean: mean(values), sd: sd(values), per_seed: values };
  };
  const positives = set.y.reduce((s, v) => s + v, 0);
  const features: CardFeature[] = set.features.map((f) => ({
    name: f.name,
    type: f.kind,
    group: f.group,
    source: f.source,
    description: f.description,
    ...(f.vocabulary ? { vocabulary: [...f.vocabulary] } : {}),
  }));
  const excluded = config.exclude_protected
    ? registry.features.filter((f) => f.protected).map((f) => f.name)
    : [];

  const card: TrainedModel["card"] = {
    library: { name: "xgboost", version: xgboostVersion() },
    objective: "binary:logistic",
    training_data: { fingerprint: set.fingerprint, rows: set.rows, positives, warehouse },
    features,
    feature_schema_hash: registry.schemaHash,
    packed_history_features: registry.features.filter((f) => f.group === "history").map((f) => f.name),
    excluded_attributes: excluded,
    calibration,
    ...(noHistory
      ? {
          no_history: {
            booster_file: NO_HISTORY_BOOSTER_FILE,
            calibration: noHistory.calibration,
            trees: noHistory.ensemble.trees.length,
          },
        }
      : {}),
    policy,
    metrics: {
      cv_auc: perSeed((cv) => mean(cv.foldAuc)),
      cv_auc_no_history: perSeed((cv) => mean(cv.foldAucNoHistory)),
      cv_auc_pooled: perSeed((cv) => cv.auc),
      cv_auc_no_history_pooled: perSeed((cv) => cv.aucNoHistory),
      brier: brier(sample.y, probabilities),
      ece: expectedCalibrationError(sample.y, probabilities),
      brier_no_history: brier(sample.y, probabilitiesNoHistory),
      ece_no_history: expectedCalibrationError(sample.y, probabilitiesNoHistory),
      log_loss: logLoss(sample.y, probabilities),
      out_of_fold_rows: sample.y.length,
      protocol: {
        cv: `${config.folds}-fold stratified CV${evaluatedFolds(config) < config.folds ? ` (${evaluatedFolds(config)} fold(s) scored: a holdout)` : ""} repeated with fold seeds ${config.seed}..${config.seed + seeds - 1}; cv_auc is the mean of the folds' AUCs per seed, cv_auc_pooled the AUC of all out-of-fold predictions pooled`,
        early_stopping: `on a stratified ${config.early_stopping.holdout_fraction} holdout of the training folds${config.early_stopping.refit ? `, then a refit on all training folds for ${config.early_stopping.refit_factor}x the best round count` : ", keeping the early-stopped model"}`,
        no_history: config.no_history_model
          ? "every row with all history features set to missing, scored out of fold by the no-history ensemble (trained in the same folds on the history-blanked rows), as the served graph scores such rows"
          : "the same out-of-fold models scoring every row with all history features set to missing",
        calibration:
          "Platt scaling on out-of-fold margins of the first repeat; Brier and ECE (10 equal-count bins) cross-fitted over 5 folds of those rows",
        policy:
          "thresholds maximising realised profit on out-of-fold calibrated probabilities; profit_cross_fitted picks thresholds on the other folds",
      },
      fold_auc: repeats.map((cv) => cv.foldAuc),
      fold_auc_no_history: repeats.map((cv) => cv.foldAucNoHistory),
      rounds: {
        cv: repeats.map((cv) => cv.rounds),
        final: final.rounds,
        final_best_holdout: final.bestRounds,
        ...(noHistory
          ? { cv_no_history: repeats.map((cv) => cv.roundsNoHistory), final_no_history: noHistory.rounds }
          : {}),
      },
      policy_outcome: {
        ...outcome,
        profit_cross_fitted: profitCrossFitted,
        approval_rate: outcome.approved / sample.y.length,
        review_rate: outcome.reviewed / sample.y.length,
        decline_rate: outcome.declined / sample.y.length,
      },
      fairness: { by_gender: byGender, by_age_band: byAge },
    },
    hyperparameters: {
      ...config.xgboost,
      seed: config.seed,
      rounds: final.rounds,
      history_augmentation: config.history_augmentation,
      no_history_model: config.no_history_model,
    },
    reason_codes: reasonCodes,
    factor_importance: factorImportanceList,
    baseline,
    onnx: {
      file: "model.onnx",
      input: ONNX_IO.input,
      output: ONNX_IO.probability,
      trees: ensemble.trees.length + (noHistory?.ensemble.trees.length ?? 0),
      opset: OPSET,
      ml_opset: ML_OPSET,
    },
  };

  const report: ReportData = {
    roc: rocCurve(sample.y, probabilities),
    rocNoHistory: rocCurve(sample.y, probabilitiesNoHistory),
    pr: precisionRecallCurve(sample.y, probabilities),
    calibration: calibrationBins(sample.y, probabilities, 10),
    histograms: classHistograms(sample.y, probabilities),
    profitCurve: profitCurves(probabilities, sample, config, policy),
    importance: importance.slice(0, 30),
    factorImportance: factorImportanceList,
    fairness: { byGender, byAge },
    auc: auc(sample.y, probabilities),
  };
  return {
    onnx,
    boosterJson,
    ...(noHistory ? { noHistoryBoosterJson: noHistory.boosterJson } : {}),
    card,
    report,
  };
}

/** The served no-history ensemble: all labelled rows with their history blanked, as in cross-validation. */
function fitNoHistoryModel(
  set: TrainingSet,
  config: TrainingConfig,
  calibration: Calibration,
  progress: ProgressFactory,
): NoHistoryEnsemble & { boosterJson: string; rounds: number } {
  const bar = progress({
    label: "final model, no history",
    total: config.early_stopping.max_rounds,
    unit: "rounds",
  });
  const all = Array.from({ length: set.rows }, (_, i) => i);
  const fit = fitWithEarlyStopping(set, all, config, config.seed, bar, "masked");
  bar.stop();
  const boosterJson = fit.booster.toJson();
  fit.booster.dispose();
  return {
    ensemble: ensembleFromXGBoostJson(boosterJson, set.features.length),
    calibration,
    historyInputs: set.historyInputs,
    boosterJson,
    rounds: fit.rounds,
  };
}

/** Profit as each threshold moves while the other stays put. */
function profitCurves(
  probabilities: Float64Array,
  sample: OutOfFoldSample,
  config: TrainingConfig,
  policy: { approve_below: number; decline_from: number },
): ReportData["profitCurve"] {
  const sorted = Float64Array.from(probabilities).sort();
  const grid = Array.from(
    { length: 101 },
    (_, i) => sorted[Math.min(sorted.length - 1, Math.floor((i / 100) * (sorted.length - 1)))]!,
  );
  const at = (approve_below: number, decline_from: number) =>
    evaluatePolicy({ approve_below, decline_from }, probabilities, sample.y, sample.credit, config.cost_model)
      .profit;
  return {
    thresholds: grid,
    declineFromVaried: grid.map((t) => at(Math.min(policy.approve_below, t), t)),
    approveBelowVaried: grid.map((t) => at(t, Math.max(policy.decline_from, t))),
    chosen: policy,
  };
}
