import type { ModelCard } from "../scoring/model-card.ts";
import type { KeyConfig } from "./middleware/auth/configured-keys.ts";
import type { ScorerSource } from "./score/scorer-source.ts";
import type { FeatureSetRef, OnlineStore } from "./store/online-store.ts";
import { featureSetMismatch } from "./store/stored-client.ts";

/** One shard as /ready reports it. */
export interface ShardReadiness {
  shard: number;
  /** ok: it serves the model's feature set; unavailable: D1 does not answer; no_active_set; mismatch: packed for another model. */
  status: "ok" | "unavailable" | "no_active_set" | "mismatch";
  featureSet: FeatureSetRef | null;
  detail: string | null;
}

/**
 * ready: the model is loaded and every shard serves a usable feature set for the model's schema.
 * degraded: the model is loaded and some shards serve: clients on those are scored, clients on the others
 * answer 503 with Retry-After. Not ready: the API key configuration does not parse, the model is not loaded,
 * or no shard serves.
 */
export type Readiness =
  | { ready: true; degraded: boolean; featureSet: FeatureSetRef; shards: ShardReadiness[] }
  | { ready: false; reason: string; shards: ShardReadiness[] };

export async function checkReadiness(
  card: ModelCard,
  scorer: ScorerSource,
  store: OnlineStore,
  keys: Promise<KeyConfig>,
): Promise<Readiness> {
  // A refused key configuration means no caller can be served: say which entries, never their content.
  const keyConfig = await keys;
  if (!keyConfig.ok) return { ready: false, reason: keyConfig.problem, shards: [] };
  const [model, states] = await Promise.allSettled([scorer(), store.shardStates(card.feature_schema_hash)]);
  const shards: ShardReadiness[] =
    states.status === "fulfilled"
      ? states.value.map((s) => {
          if (s.status !== "ok")
            return { shard: s.shard, status: s.status, featureSet: null, detail: s.detail };
          const mismatch = featureSetMismatch(s.featureSet, card);
          return mismatch
            ? { shard: s.shard, status: "mismatch" as const, featureSet: s.featureSet, detail: mismatch }
            : { shard: s.shard, status: "ok" as const, featureSet: s.featureSet, detail: null };
        })
      : [];
  if (model.status === "rejected") return { ready: false, reason: "the model is not loaded", shards };
  if (states.status === "rejected")
    return { ready: false, reason: "the online store (D1) does not answer", shards };
  const serving = shards.filter((s) => s.status === "ok");
  if (serving.length === 0) {
    const one = shards.length === 1;
    const reasons = shards.map((s) => (one ? s.detail : `shard ${s.shard}: ${s.detail}`)).join("; ");
    const unavailable = shards.every((s) => s.status === "unavailable");
    return {
      ready: false,
      reason: one
        ? unavailable
          ? "the online store (D1) does not answer"
          : reasons
        : `no shard serves the model's feature schema ${card.feature_schema_hash}: ${reasons}`,
      shards,
    };
  }
  // The newest version any serving shard has (during an activation shards may differ for a moment).
  const featureSet = serving.map((s) => s.featureSet!).reduce((a, b) => (b.id > a.id ? b : a));
  return { ready: true, degraded: serving.length < shards.length, featureSet, shards };
}
