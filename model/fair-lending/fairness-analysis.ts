import { type DecisionPolicy, decide } from "../../scoring/model-card.ts";
import { AGE_BANDS, ageBand, type FairnessSlice, fairnessSlices } from "../evaluation/fairness.ts";
import type { BootstrapSettings } from "../evaluation/held-out.ts";
import { type AdverseImpact, adverseImpact } from "./adverse-impact.ts";

/** The protected attributes the slices cut by: none is a model input (age only through the age rule). */
export const GROUPINGS = {
  sex: "CODE_GENDER",
  marital_status: "NAME_FAMILY_STATUS",
  age_band: "age at application, bands cutting at 62",
} as const;
export type Grouping = keyof typeof GROUPINGS;

export interface ProtectedAttributes {
  gender: readonly (string | null)[];
  familyStatus: readonly (string | null)[];
  ageYears: ArrayLike<number>;
}

export function groupsOf(attributes: ProtectedAttributes, grouping: Grouping): (string | null)[] {
  switch (grouping) {
    case "sex":
      return [...attributes.gender];
    case "marital_status":
      return [...attributes.familyStatus];
    case "age_band":
      return Array.from(attributes.ageYears, ageBand);
  }
}

const ORDER: Record<Grouping, readonly string[]> = { sex: [], marital_status: [], age_band: AGE_BANDS };

export interface GroupingResult {
  attribute: string;
  slices: FairnessSlice[];
  adverse_impact: AdverseImpact[];
  /** Groups whose adverse-impact ratio is below 0.8. */
  flagged: string[];
}

export type FairnessResult = Record<Grouping, GroupingResult>;

/**
 * Per protected grouping: the slices (AUC, approval and decline rates, calibration) and the adverse-impact
 * ratios of approval (the policy's "approve" decision) with bootstrap intervals and the 0.8 flags.
 */
export function fairnessAnalysis(
  attributes: ProtectedAttributes,
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
  settings: BootstrapSettings,
): FairnessResult {
  const approved = Array.from(probabilities as ArrayLike<number>, (p) => decide(p, policy) === "approve");
  const result = {} as FairnessResult;
  for (const grouping of Object.keys(GROUPINGS) as Grouping[]) {
    const groups = groupsOf(attributes, grouping);
    const impact = adverseImpact(groups, approved, { ...settings, order: ORDER[grouping] });
    result[grouping] = {
      attribute: GROUPINGS[grouping],
      slices: fairnessSlices(groups, labels, probabilities, policy, ORDER[grouping]),
      adverse_impact: impact,
      flagged: impact.filter((i) => i.flagged).map((i) => i.group),
    };
  }
  return result;
}

/** Adverse-impact ratios alone, per grouping (what the proxy review compares). */
export function adverseImpactByGrouping(
  attributes: ProtectedAttributes,
  probabilities: ArrayLike<number>,
  policy: Pick<DecisionPolicy, "approve_below" | "decline_from">,
  settings: BootstrapSettings,
): Record<Grouping, AdverseImpact[]> {
  const approved = Array.from(probabilities as ArrayLike<number>, (p) => decide(p, policy) === "approve");
  const out = {} as Record<Grouping, AdverseImpact[]>;
  for (const grouping of Object.keys(GROUPINGS) as Grouping[])
    out[grouping] = adverseImpact(groupsOf(attributes, grouping), approved, {
      ...settings,
      order: ORDER[grouping],
    });
  return out;
}
