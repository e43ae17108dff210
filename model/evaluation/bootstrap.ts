import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A statistic with its bootstrap percentile interval. */
export interface Estimate {
  value: number;
  lower: number;
  upper: number;
}

export interface BootstrapOptions {
  replicates: number;
  seed: number;
  /** Coverage of the interval (0.95). */
  level?: number;
  /**
   * Resample within these strata (e.g. the labels, so every replicate keeps the defaulters' count and an
   * AUC always exists); plain resampling of all rows when absent.
   */
  strata?: ArrayLike<number>;
  /** Indices of the statistics whose interval is shifted by the bootstrap bias (non-negative ones). */
  debias?: readonly number[];
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Bootstrap replicates of statistics of n rows: each replicate draws n row indices with replacement (within
 * strata when given) and hands them to `statistics`, which returns one value per statistic. Deterministic
 * for a seed. Replicates where a statistic is undefined (NaN) are left out of its interval.
 *
 * Intervals are percentile intervals; for the statistics listed in `debias`, with the bootstrap's
 * estimated bias removed (the percentiles shifted by the replicates' mean minus the estimate, floored at
 * 0). Resampling inflates the ECE: duplicated rows make every bin noisier, so nearly every replicate
 * exceeds the estimate and a plain percentile interval would not even contain it.
 */
export function bootstrap(
  n: number,
  statistics: (rows: Int32Array) => readonly number[],
  options: BootstrapOptions,
): Estimate[] {
  const level = options.level ?? 0.95;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const point = statistics(all);
  const groups: number[][] = [];
  if (options.strata) {
    const byStratum = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const s = options.strata[i]!;
      if (!byStratum.has(s)) byStratum.set(s, []);
      byStratum.get(s)!.push(i);
    }
    groups.push(...[...byStratum.entries()].sort(([a], [b]) => a - b).map(([, rows]) => rows));
  } else groups.push(Array.from(all));
  const rng = xoroshiro128plus(options.seed);
  const draws: number[][] = point.map(() => []);
  const rows = new Int32Array(n);
  for (let b = 0; b < options.replicates; b++) {
    let k = 0;
    for (const group of groups) {
      for (let i = 0; i < group.length; i++) rows[k++] = group[uniformInt(rng, 0, group.length - 1)]!;
    }
    const values = statistics(rows);
    values.forEach((v, s) => {
      if (Number.isFinite(v)) draws[s]!.push(v);
    });
  }
  return point.map((value, s) => {
    const sorted = draws[s]!.sort((a, b) => a - b);
    if (sorted.length === 0) return { value, lower: Number.NaN, upper: Number.NaN };
    const bias = options.debias?.includes(s)
      ? sorted.reduce((sum, v) => sum + v, 0) / sorted.length - value
      : 0;
    const lower = percentile(sorted, (1 - level) / 2) - bias;
    return {
      value,
      lower: bias === 0 ? lower : Math.max(0, lower),
      upper: percentile(sorted, 1 - (1 - level) / 2) - bias,
    };
  });
}
