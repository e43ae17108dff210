import { bootstrap, type Estimate } from "./bootstrap.ts";
import {
  auc,
  brier,
  type CalibrationBin,
  calibrationBins,
  expectedCalibrationError,
  ks,
  logLoss,
} from "./metrics.ts";

export interface BootstrapSettings {
  replicates: number;
  seed: number;
}

/** Discrimination and calibration of probabilities on rows no choice was made on, with 95% intervals. */
export interface HeldOutMetrics {
  rows: number;
  positives: number;
  auc: Estimate;
  gini: Estimate;
  ks: Estimate;
  brier: Estimate;
  ece: Estimate;
  log_loss: number;
  /** Observed against predicted default rate by decile of predicted probability. */
  deciles: CalibrationBin[];
}

/**
 * Bootstrap resampling within the classes (the defaulters' count stays fixed, so every AUC exists);
 * percentile intervals, the ECE's with the bootstrap's bias removed (bootstrap.ts).
 */
export function heldOutMetrics(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  settings: BootstrapSettings,
): HeldOutMetrics {
  const pick = (rows: Int32Array, values: ArrayLike<number>) => Float64Array.from(rows, (r) => values[r]!);
  const [a, k, b, e] = bootstrap(
    labels.length,
    (rows) => {
      const y = pick(rows, labels);
      const p = pick(rows, probabilities);
      return [auc(y, p), ks(y, p), brier(y, p), expectedCalibrationError(y, p)];
    },
    { ...settings, strata: labels, debias: [3] },
  );
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  return {
    rows: labels.length,
    positives,
    auc: a!,
    gini: { value: 2 * a!.value - 1, lower: 2 * a!.lower - 1, upper: 2 * a!.upper - 1 },
    ks: k!,
    brier: b!,
    ece: e!,
    log_loss: logLoss(labels, probabilities),
    deciles: calibrationBins(labels, probabilities, 10),
  };
}

/** One segment's size, outcomes and discrimination (AUC with its interval when both classes have 2+ rows). */
export interface SegmentResult {
  segment: string;
  count: number;
  defaults: number;
  auc: Estimate | null;
  mean_predicted: number;
  observed_default_rate: number;
}

export function segmentResults(
  groups: readonly (string | null)[],
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  settings: BootstrapSettings,
): SegmentResult[] {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = g ?? "unknown";
    if (!members.has(key)) members.set(key, []);
    members.get(key)!.push(i);
  });
  return [...members.entries()]
    .sort(([, a], [, b]) => b.length - a.length)
    .map(([segment, rows]) => {
      const y = Float64Array.from(rows, (r) => labels[r]!);
      const p = Float64Array.from(rows, (r) => probabilities[r]!);
      const defaults = y.reduce((s, v) => s + v, 0);
      const both = defaults >= 2 && rows.length - defaults >= 2;
      const interval = both
        ? bootstrap(
            rows.length,
            (idx) => [
              auc(
                Float64Array.from(idx, (i) => y[i]!),
                Float64Array.from(idx, (i) => p[i]!),
              ),
            ],
            {
              ...settings,
              strata: y,
            },
          )[0]!
        : null;
      return {
        segment,
        count: rows.length,
        defaults,
        auc: interval,
        mean_predicted: p.reduce((s, v) => s + v, 0) / rows.length,
        observed_default_rate: defaults / rows.length,
      };
    });
}
