import type { ModelCard } from "../scoring/model-card.ts";
import type { KeyConfig } from "./middleware/auth/configured-keys.ts";
import type { ScorerSource } from "./score/scorer-source.ts";
import type { FeatureSetRef, OnlineStore } from "./store/online-store.ts";
import { featureSetMismatch } from "./store/stored-client.ts";

export type Readiness = { ready: true; featureSet: FeatureSetRef } | { ready: false; reason: string };

/**
 * Ready: the API key configuration parses, the model is loaded, D1 answers, and a usable feature set is
 * active for the model's schema.
 */
export async function checkReadiness(
  card: ModelCard,
  scorer: ScorerSource,
  store: OnlineStore,
  keys: Promise<KeyConfig>,
): Promise<Readiness> {
  // A refused key configuration means no caller can be served: say which entries, never their content.
  const keyConfig = await keys;
  if (!keyConfig.ok) return { ready: false, reason: keyConfig.problem };
  const [model, featureSet] = await Promise.allSettled([
    scorer(),
    store.activeFeatureSet(card.feature_schema_hash),
  ]);
  if (model.status === "rejected") return { ready: false, reason: "the model is not loaded" };
  if (featureSet.status === "rejected")
    return { ready: false, reason: "the online store (D1) does not answer" };
  if (!featureSet.value)
    return {
      ready: false,
      reason: `no feature set is active for the model's feature schema ${card.feature_schema_hash}`,
    };
  const mismatch = featureSetMismatch(featureSet.value, card);
  if (mismatch) return { ready: false, reason: mismatch };
  return { ready: true, featureSet: featureSet.value };
}
