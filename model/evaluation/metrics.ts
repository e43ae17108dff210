/** Classification metrics for binary labels (1 = default) and predicted probabilities or scores. */

/** Area under the ROC curve: the probability a random defaulter scores above a random non-defaulter. */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1; // ties share their mean rank
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function brier(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / labels.length;
}

export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i]!, 1e-15), 1 - 1e-15);
    sum -= labels[i]! === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

export interface CalibrationBin {
  meanPredicted: number;
  observedRate: number;
  count: number;
}

/** Equal-count bins of predictions with the observed default rate in each (a reliability diagram). */
export function calibrationBins(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  bins = 10,
): CalibrationBin[] {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort(
    (a, b) => probabilities[a]! - probabilities[b]!,
  );
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * order.length) / bins);
    const to = Math.floor(((b + 1) * order.length) / bins);
    if (to <= from) continue;
    let p = 0;
    let y = 0;
    for (let k = from; k < to; k++) {
      p += probabilities[order[k]!]!;
      y += labels[order[k]!]!;
    }
    out.push({ meanPredicted: p / (to - from), observedRate: y / (to - from), count: to - from });
  }
  return out;
}

/** Expected calibration error over equal-count bins: the count-weighted gap between predicted and observed. */
export function expectedCalibrationError(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  bins = 10,
): number {
  const total = labels.length;
  return calibrationBins(labels, probabilities, bins).reduce(
    (sum, bin) => sum + (bin.count / total) * Math.abs(bin.meanPredicted - bin.observedRate),
    0,
  );
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Kolmogorov-Smirnov statistic: the largest gap between the cumulative score distributions of defaulters
 * and non-defaulters (ties move together).
 */
export function ks(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]!] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[order[k]!]) continue;
    best = Math.max(best, Math.abs(tp / positives - fp / negatives));
  }
  return best;
}
