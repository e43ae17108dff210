/** Curves and histograms for the report, downsampled to a few hundred points. */

export interface Point {
  x: number;
  y: number;
}

function sortedByScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number[] {
  return Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
}

function thin(points: Point[], max = 300): Point[] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]!);
}

/** ROC curve: false positive rate (x) against true positive rate (y). */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): Point[] {
  const order = sortedByScore(labels, scores);
  const positives = order.filter((i) => labels[i] === 1).length;
  const negatives = order.length - positives;
  const points: Point[] = [{ x: 0, y: 0 }];
  let tp = 0;
  let fp = 0;
  order.forEach((i, k) => {
    if (labels[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i])
      points.push({ x: fp / negatives, y: tp / positives });
  });
  return thin(points);
}

/** Precision-recall curve: recall (x) against precision (y). */
export function precisionRecallCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): Point[] {
  const order = sortedByScore(labels, scores);
  const positives = order.filter((i) => labels[i] === 1).length;
  const points: Point[] = [];
  let tp = 0;
  order.forEach((i, k) => {
    if (labels[i] === 1) tp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) points.push({ x: tp / positives, y: tp / (k + 1) });
  });
  return thin(points);
}

/** Share of each class's rows in equal-width probability bins over [0, max]. */
export function classHistograms(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  bins = 40,
): { edges: number[]; defaulted: number[]; repaid: number[] } {
  let max = 0;
  for (let i = 0; i < probabilities.length; i++) max = Math.max(max, probabilities[i]!);
  const width = max / bins || 1;
  const defaulted = new Array(bins).fill(0);
  const repaid = new Array(bins).fill(0);
  let nd = 0;
  let nr = 0;
  for (let i = 0; i < labels.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i]! / width));
    if (labels[i] === 1) {
      defaulted[b]++;
      nd++;
    } else {
      repaid[b]++;
      nr++;
    }
  }
  return {
    edges: Array.from({ length: bins }, (_, b) => b * width),
    defaulted: defaulted.map((c) => c / Math.max(nd, 1)),
    repaid: repaid.map((c) => c / Math.max(nr, 1)),
  };
}
