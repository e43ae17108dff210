import { auc } from "../model/evaluation/metrics.ts";

export interface ShadowPair {
  request_id: string;
  item: number;
  client_id: number;
  champion_decision: string;
  challenger_decision: string;
  champion_probability: number;
  challenger_probability: number;
  target: number | null;
}

export interface ChallengerComparison {
  challenger_model_version: string;
  decisions: number;
  /** Share of decisions where both gave the same decision. */
  agreement_rate: number;
  /** Approved by one and declined by the other, both ways, with the first 100 of each listed. */
  swap_set: {
    approved_by_champion_declined_by_challenger: number;
    declined_by_champion_approved_by_challenger: number;
    examples: { request_id: string; item: number; client_id: number; champion: string; challenger: string }[];
  };
  /** Where outcomes exist: both models' AUC on the same decisions. */
  with_outcomes: number;
  champion_auc: number | null;
  challenger_auc: number | null;
}

export function compareChallenger(version: string, pairs: readonly ShadowPair[]): ChallengerComparison {
  let agree = 0;
  let swapOut = 0;
  let swapIn = 0;
  const examples: ChallengerComparison["swap_set"]["examples"] = [];
  for (const p of pairs) {
    if (p.champion_decision === p.challenger_decision) agree++;
    const out = p.champion_decision === "approve" && p.challenger_decision === "decline";
    const into = p.champion_decision === "decline" && p.challenger_decision === "approve";
    if (out) swapOut++;
    if (into) swapIn++;
    if ((out || into) && examples.length < 200)
      examples.push({
        request_id: p.request_id,
        item: p.item,
        client_id: p.client_id,
        champion: p.champion_decision,
        challenger: p.challenger_decision,
      });
  }
  const labelled = pairs.filter((p) => p.target !== null);
  const y = labelled.map((p) => p.target!);
  const aucOf = (scores: number[]) => {
    const a = auc(y, scores);
    return Number.isNaN(a) ? null : a;
  };
  return {
    challenger_model_version: version,
    decisions: pairs.length,
    agreement_rate: pairs.length ? agree / pairs.length : 0,
    swap_set: {
      approved_by_champion_declined_by_challenger: swapOut,
      declined_by_champion_approved_by_challenger: swapIn,
      examples,
    },
    with_outcomes: labelled.length,
    champion_auc: labelled.length ? aucOf(labelled.map((p) => p.champion_probability)) : null,
    challenger_auc: labelled.length ? aucOf(labelled.map((p) => p.challenger_probability)) : null,
  };
}
