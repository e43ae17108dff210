import type { FactorTable } from "../../features/reason-codes.ts";
import type { FactorImportance } from "../../scoring/model-card.ts";

/**
 * Global importance of each reason-code factor: the mean over rows of |sum of the factor's inputs'
 * TreeSHAP contributions|, on the calibrated log-odds scale (contributions times the Platt slope), the
 * factor-level twin of the features' mean |contribution|. `contributions` is rows x width, row-major,
 * one column per input plus the bias (XGBoost's pred_contribs layout). Strongest first.
 */
export function factorImportance(
  contributions: ArrayLike<number>,
  rows: number,
  width: number,
  slope: number,
  table: FactorTable,
): FactorImportance[] {
  const totals = new Float64Array(table.factors.length);
  const sums = new Float64Array(table.factors.length);
  for (let r = 0; r < rows; r++) {
    sums.fill(0);
    for (let j = 0; j < table.factor_of_input.length; j++)
      sums[table.factor_of_input[j]!]! += contributions[r * width + j]!;
    for (let f = 0; f < sums.length; f++) totals[f]! += Math.abs(sums[f]!);
  }
  return table.factors
    .map((f, i) => ({
      code: f.code,
      statement: f.statement,
      age_based: f.age_based,
      mean_abs_contribution: (slope * totals[i]!) / Math.max(rows, 1),
    }))
    .sort((a, b) => b.mean_abs_contribution - a.mean_abs_contribution);
}
