import { bootstrap } from "../evaluation/bootstrap.ts";

/** The four-fifths rule (29 CFR 1607.4(D), used in fair-lending reviews): a ratio below it is flagged. */
export const ADVERSE_IMPACT_THRESHOLD = 0.8;

export interface AdverseImpact {
  group: string;
  count: number;
  approved: number;
  approval_rate: number;
  /** Approval rate over the most-approved group's (1 for that group). */
  ratio: number;
  /** Bootstrap 95% percentile interval of the ratio (the reference group re-chosen in each replicate). */
  lower: number;
  upper: number;
  /** The ratio is below ADVERSE_IMPACT_THRESHOLD. */
  flagged: boolean;
}

export interface AdverseImpactOptions {
  replicates: number;
  seed: number;
  /** Groups in this order (e.g. age bands youngest first); others after them, alphabetically. */
  order?: readonly string[];
}

/**
 * Adverse-impact ratios: each group's approval rate over the highest group approval rate. `approved[i]`
 * says whether row i was approved; `groups[i]` is its group (null: "unknown").
 */
export function adverseImpact(
  groups: readonly (string | null)[],
  approved: ArrayLike<boolean | number>,
  options: AdverseImpactOptions,
): AdverseImpact[] {
  const names = [...new Set(groups.map((g) => g ?? "unknown"))];
  const order = options.order ?? [];
  const rank = (g: string) => (order.indexOf(g) < 0 ? order.length : order.indexOf(g));
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const index = new Map(names.map((g, i) => [g, i]));
  const member = Int32Array.from(groups, (g) => index.get(g ?? "unknown")!);
  const ratios = (rows: ArrayLike<number>): number[] => {
    const count = new Float64Array(names.length);
    const yes = new Float64Array(names.length);
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      count[member[r]!]!++;
      if (approved[r]) yes[member[r]!]!++;
    }
    const rates = Array.from(count, (c, g) => (c > 0 ? yes[g]! / c : Number.NaN));
    const best = Math.max(...rates.filter((r) => !Number.isNaN(r)));
    return rates.map((r) => (best > 0 ? r / best : Number.NaN));
  };
  const estimates = bootstrap(groups.length, ratios, {
    replicates: options.replicates,
    seed: options.seed,
    strata: member,
  });
  return names.map((group, g) => {
    let count = 0;
    let yes = 0;
    for (let i = 0; i < groups.length; i++)
      if (member[i] === g) {
        count++;
        if (approved[i]) yes++;
      }
    const { value, lower, upper } = estimates[g]!;
    return {
      group,
      count,
      approved: yes,
      approval_rate: yes / count,
      ratio: value,
      lower,
      upper,
      flagged: value < ADVERSE_IMPACT_THRESHOLD,
    };
  });
}
