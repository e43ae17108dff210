import type { TrainingSet } from "../training/dataset.ts";
import { Booster, DMatrix } from "../xgboost/booster.ts";

/**
 * The benchmark: a logistic-regression scorecard on the same inputs. Each input is binned on the training
 * rows (up to BINS quantile bins for a number, one bin per category, one for missing), each bin replaced by
 * its weight of evidence ln(share of defaulters / share of non-defaulters, smoothed), and a logistic
 * regression fitted on those: the classic credit scorecard. The regression is XGBoost's linear booster
 * (gblinear: L2-penalised logistic regression by coordinate descent), the library already used for the
 * trees: no TypeScript package fits a penalised logistic regression on 650 inputs reliably.
 */
export const SCORECARD = {
  bins: 10,
  /** Added to each bin's counts of defaulters and non-defaulters, so an empty bin has a finite weight. */
  smoothing: 0.5,
  params: {
    booster: "gblinear",
    objective: "binary:logistic",
    updater: "shotgun",
    feature_selector: "cyclic",
    lambda: 1,
    alpha: 0,
    eta: 0.5,
    nthread: 1,
  },
  rounds: 50,
} as const;

interface Binning {
  /** Per input: ascending cut points (numeric) or null (categorical: the code is the bin). */
  cuts: (Float64Array | null)[];
  /** Per input: bin -> weight of evidence; key -1 is the missing bin. */
  woe: Map<number, number>[];
}

function binOf(cuts: Float64Array | null, v: number): number {
  if (Number.isNaN(v)) return -1;
  if (!cuts) return v;
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fitBinning(set: TrainingSet, rows: readonly number[]): Binning {
  const width = set.features.length;
  const positives = rows.reduce((s, r) => s + set.y[r]!, 0);
  const negatives = rows.length - positives;
  const cuts: (Float64Array | null)[] = [];
  const woe: Map<number, number>[] = [];
  const values = new Float64Array(rows.length);
  for (let j = 0; j < width; j++) {
    let present = 0;
    for (const r of rows) {
      const v = set.X[r * width + j]!;
      if (!Number.isNaN(v)) values[present++] = v;
    }
    let cut: Float64Array | null = null;
    if (set.features[j]!.kind === "numeric") {
      const sorted = values.subarray(0, present).slice().sort();
      const points = new Set<number>();
      for (let b = 1; b < SCORECARD.bins; b++) {
        const q = sorted[Math.floor((b * present) / SCORECARD.bins)];
        if (q !== undefined && q > sorted[0]!) points.add(q);
      }
      cut = Float64Array.from(points).sort();
    }
    const bad = new Map<number, number>();
    const good = new Map<number, number>();
    for (const r of rows) {
      const b = binOf(cut, set.X[r * width + j]!);
      const counts = set.y[r] === 1 ? bad : good;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    const weights = new Map<number, number>();
    for (const b of new Set([...bad.keys(), ...good.keys()])) {
      const p = ((bad.get(b) ?? 0) + SCORECARD.smoothing) / (positives + SCORECARD.smoothing);
      const q = ((good.get(b) ?? 0) + SCORECARD.smoothing) / (negatives + SCORECARD.smoothing);
      weights.set(b, Math.log(p / q));
    }
    cuts.push(cut);
    woe.push(weights);
  }
  return { cuts, woe };
}

function transform(set: TrainingSet, rows: readonly number[], binning: Binning): Float32Array {
  const width = set.features.length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, k) => {
    for (let j = 0; j < width; j++)
      out[k * width + j] = binning.woe[j]!.get(binOf(binning.cuts[j]!, set.X[r * width + j]!)) ?? 0;
  });
  return out;
}

/** A scorecard fitted on `rows` of `set`: its margins (log-odds of default) for other rows. */
export interface Scorecard {
  margins(rows: readonly number[], on?: TrainingSet): Float64Array;
  dispose(): void;
}

export function fitScorecard(set: TrainingSet, rows: readonly number[]): Scorecard {
  const width = set.features.length;
  const binning = fitBinning(set, rows);
  const dtrain = new DMatrix(
    transform(set, rows, binning),
    rows.length,
    width,
    Float32Array.from(rows, (r) => set.y[r]!),
  );
  const booster = Booster.create({ ...SCORECARD.params }, [dtrain]);
  try {
    for (let i = 0; i < SCORECARD.rounds; i++) booster.updateOneIter(i, dtrain);
  } finally {
    dtrain.dispose();
  }
  return {
    margins(scored, on = set) {
      const matrix = new DMatrix(transform(on, scored, binning), scored.length, width);
      try {
        return Float64Array.from(booster.predict(matrix, "margin"));
      } finally {
        matrix.dispose();
      }
    },
    dispose: () => booster.dispose(),
  };
}
