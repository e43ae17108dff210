import { MONITORING_TRIGGERS } from "./triggers.ts";

/**
 * Population stability index: sum over bins of (actual - expected) * ln(actual / expected), with shares
 * floored (MONITORING_TRIGGERS.psi_bin_floor) so an empty bin keeps the logarithm finite. Applied to one
 * input it is the characteristic stability index (CSI). Both arrays are shares of the same bins.
 */
export function psi(
  expected: readonly number[],
  actual: readonly number[],
  floor = MONITORING_TRIGGERS.psi_bin_floor,
): number {
  if (expected.length !== actual.length)
    throw new Error(`PSI over ${expected.length} expected bins but ${actual.length} actual ones`);
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, floor);
    const a = Math.max(actual[i]!, floor);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Shares from counts (all zero stays all zero). */
export function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

export type ShiftFlag = "stable" | "moderate" | "significant";

/** The flag a PSI earns under the monitoring triggers. */
export function shiftFlag(value: number): ShiftFlag {
  if (value >= MONITORING_TRIGGERS.psi_significant) return "significant";
  if (value >= MONITORING_TRIGGERS.psi_moderate) return "moderate";
  return "stable";
}
