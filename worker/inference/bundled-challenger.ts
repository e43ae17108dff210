import type { ModelCard } from "../../scoring/model-card.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import { bundledCard, createScorerFrom } from "./bundled-model.ts";
import { challengerArtifacts } from "./challenger-slot.ts";
import { sharedInit } from "./shared-init.ts";

/** The bundled challenger's card, or null when none is bundled. */
export const challengerCard = (challengerArtifacts?.card ?? null) as ModelCard | null;

/**
 * Why the challenger cannot shadow the champion, or null: it must read the same feature set (schema and
 * packed history order), since it is scored from the same online-store rows.
 */
export function challengerMismatch(challenger: ModelCard, champion: ModelCard): string | null {
  if (challenger.version === champion.version)
    return `the challenger is the champion itself (${champion.version})`;
  if (challenger.feature_schema_hash !== champion.feature_schema_hash)
    return `the challenger ${challenger.version} reads feature schema ${challenger.feature_schema_hash}, the champion ${champion.feature_schema_hash}: retrain it on the current features`;
  if (JSON.stringify(challenger.packed_history_features) !== JSON.stringify(champion.packed_history_features))
    return `the challenger ${challenger.version} orders the history features differently from the champion`;
  return null;
}

/** The challenger's Scorer (no TreeSHAP: only its probability and decision are recorded), built once. */
function challengerSource(artifacts: NonNullable<typeof challengerArtifacts>): () => Promise<Scorer> {
  return sharedInit(async () => {
    const card = artifacts.card as ModelCard;
    const mismatch = challengerMismatch(card, bundledCard);
    if (mismatch) throw new Error(mismatch);
    return createScorerFrom(card, artifacts.onnx, { explain: false });
  });
}

export const bundledChallenger: (() => Promise<Scorer>) | undefined = challengerArtifacts
  ? challengerSource(challengerArtifacts)
  : undefined;
