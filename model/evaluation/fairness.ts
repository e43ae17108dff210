import { ELDERLY_AGE_YEARS } from "../../features/application/elderly.ts";
import { type Decision, type DecisionPolicy, decide } from "../../scoring/model-card.ts";
import { auc } from "./metrics.ts";

export interface FairnessSlice {
  group: string;
  count: number;
  defaults: number;
  auc: number | null;
  approval_rate: number;
  decline_rate: number;
  mean_predicted: number;
  observed_default_rate: number;
}

/**
 * Per-group discrimination (AUC), outcomes (approval rate) and calibration (mean predicted vs observed
 * default rate): how the model treats groups it must not use as inputs.
 */
export function fairnessSlices(
  groups: readonly (string | null)[],
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
  /** Groups in this order (e.g. age bands youngest first); others after them, alphabetically. */
  order: readonly string[] = [],
): FairnessSlice[] {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const key = g ?? "unknown";
    members.set(key, [...(members.get(key) ?? []), i]);
  });
  return [...members.entries()]
    .sort(([a], [b]) => rank(order, a) - rank(order, b) || a.localeCompare(b))
    .map(([group, rows]) => {
      const y = rows.map((r) => labels[r]!);
      const p = rows.map((r) => probabilities[r]!);
      const decisions: Decision[] = p.map((v) => decide(v, policy));
      const defaults = y.reduce((s, v) => s + v, 0);
      const a = auc(y, p);
      return {
        group,
        count: rows.length,
        defaults,
        auc: Number.isNaN(a) ? null : a,
        approval_rate: decisions.filter((d) => d === "approve").length / rows.length,
        decline_rate: decisions.filter((d) => d === "decline").length / rows.length,
        mean_predicted: p.reduce((s, v) => s + v, 0) / rows.length,
        observed_default_rate: defaults / rows.length,
      };
    });
}

const rank = (order: readonly string[], group: string) => {
  const i = order.indexOf(group);
  return i < 0 ? order.length : i;
};

/** The age bands in age order, then "unknown"; the last cuts at 62, Regulation B's elderly applicant. */
export const AGE_BANDS = ["under 30", "30-39", "40-49", "50-61", "62 and over", "unknown"] as const;

export function ageBand(years: number): string {
  if (!Number.isFinite(years)) return "unknown";
  if (years < 30) return "under 30";
  if (years < 40) return "30-39";
  if (years < 50) return "40-49";
  if (years < ELDERLY_AGE_YEARS) return "50-61";
  return "62 and over";
}
