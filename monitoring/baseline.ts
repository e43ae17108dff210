/**
 * The training baseline the model card carries for monitoring: per model input, bin edges and the share of
 * training rows in each bin (missing values are their own bin), and the same for the served probability.
 * `credit-edge monitor` bins live decisions with these edges and compares shares (PSI / CSI).
 *
 * Pure (no Node APIs): written by training, read by `monitor`.
 */
export const BASELINE_VERSION = "bl-1";

/** Equal-count bins wanted per numeric input and for the score; discrete inputs get fewer. */
export const BASELINE_BINS = 10;

export interface BinnedDistribution {
  /**
   * Cut points, ascending. A value v falls in bin i = the number of edges <= v: bin 0 is v < edges[0],
   * the last bin v >= edges[edges.length - 1]. So there are edges.length + 1 value bins.
   */
  edges: number[];
  /** Share of rows in each value bin (edges.length + 1 entries). */
  proportions: number[];
}

export interface InputBaseline extends BinnedDistribution {
  name: string;
  /** Share of rows where the input is missing: its own bin. proportions plus missing sum to 1. */
  missing: number;
}

export interface TrainingBaseline {
  version: typeof BASELINE_VERSION;
  /** Training rows the shares were counted on. */
  rows: number;
  /** The served model's calibrated probability on those rows. */
  score: BinnedDistribution;
  /** One entry per model input, in model input order. */
  inputs: InputBaseline[];
}

/** The bin of a (non-missing) value: the number of edges <= value (binary search). */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Six significant digits: the card stays readable and a value on an edge stays on the same side. */
const compact = (v: number) => Number(v.toPrecision(6));

/**
 * Edges for equal-count bins of `sorted` (ascending, no NaN): the distinct quantiles, then only those
 * that leave no bin empty. Categorical codes get one bin per code seen (edges at code + 0.5).
 */
export function binEdges(sorted: ArrayLike<number>, categorical: boolean, bins = BASELINE_BINS): number[] {
  const n = sorted.length;
  if (n === 0) return [];
  if (categorical) {
    const codes = [...new Set(Array.from(sorted))];
    return codes.slice(1).map((c) => c - 0.5);
  }
  const candidates: number[] = [];
  for (let b = 1; b < bins; b++) {
    const q = sorted[Math.min(n - 1, Math.floor((b * n) / bins))]!;
    if (candidates.at(-1) !== q) candidates.push(q);
  }
  // An edge at the minimum leaves bin 0 empty; compacting could also merge two edges.
  const edges: number[] = [];
  for (const raw of candidates) {
    const e = compact(raw);
    if (e > sorted[0]! && (edges.length === 0 || e > edges.at(-1)!)) edges.push(e);
  }
  return edges;
}

/** Shares of `values` in the bins of `edges`, and the missing share. */
export function binShares(
  values: ArrayLike<number>,
  edges: readonly number[],
): { proportions: number[]; missing: number } {
  const counts = new Float64Array(edges.length + 1);
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) missing++;
    else counts[binOf(edges, v)]!++;
  }
  const n = Math.max(values.length, 1);
  return { proportions: Array.from(counts, (c) => compact(c / n)), missing: compact(missing / n) };
}

export interface BaselineInput {
  name: string;
  type: "numeric" | "categorical";
}

/**
 * The baseline of a training matrix (rows x inputs, row-major, NaN = missing) and the served model's
 * probabilities on the same rows.
 */
export function trainingBaseline(
  X: Float32Array,
  rows: number,
  inputs: readonly BaselineInput[],
  probabilities: ArrayLike<number>,
): TrainingBaseline {
  const width = inputs.length;
  const column = new Float64Array(rows);
  const entries = inputs.map((input, j) => {
    for (let r = 0; r < rows; r++) column[r] = X[r * width + j]!;
    const present = column.filter((v) => !Number.isNaN(v)).sort();
    const edges = binEdges(present, input.type === "categorical");
    return { name: input.name, edges, ...binShares(column, edges) };
  });
  const scores = Float64Array.from(probabilities).sort();
  const scoreEdges = binEdges(scores, false);
  return {
    version: BASELINE_VERSION,
    rows,
    score: { edges: scoreEdges, proportions: binShares(scores, scoreEdges).proportions },
    inputs: entries,
  };
}
