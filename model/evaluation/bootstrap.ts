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
}

/** The standard normal CDF (Abramowitz-Stegun 7.1.26 via erf, |error| < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Its inverse, by bisection (the intervals need a few digits). */
function normalQuantile(p: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
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
 * Intervals are bias-corrected percentile intervals (Efron 1982): when the replicates sit mostly on one
 * side of the estimate (as for the ECE, which resampling inflates), the percentiles are shifted by
 * z0 = Phi^-1(share of replicates below the estimate), so the interval is about the estimate, not the
 * replicates' own bias. With no bias (z0 = 0) it is the plain percentile interval.
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
  const z = normalQuantile(1 - (1 - level) / 2);
  return point.map((value, s) => {
    const sorted = draws[s]!.sort((a, b) => a - b);
    if (sorted.length === 0) return { value, lower: Number.NaN, upper: Number.NaN };
    let below = 0;
    let equal = 0;
    for (const v of sorted) {
      if (v < value) below++;
      else if (v === value) equal++;
    }
    const share = Math.min(
      Math.max((below + equal / 2) / sorted.length, 0.5 / sorted.length),
      1 - 0.5 / sorted.length,
    );
    const z0 = normalQuantile(share);
    return {
      value,
      lower: percentile(sorted, normalCdf(2 * z0 - z)),
      upper: percentile(sorted, normalCdf(2 * z0 + z)),
    };
  });
}
