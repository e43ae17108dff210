import type { ModelCard } from "../scoring/model-card.ts";
import { cardFactorTable } from "../scoring/reason-codes.ts";
import type { ModelInfo } from "./api/schemas.ts";

/** The public part of the model card: what the model is and how good it is, no training internals. */
export function modelInfo(card: ModelCard): ModelInfo {
  const summary = (s: { mean: number; sd: number }) => ({ mean: s.mean, sd: s.sd });
  const factors = cardFactorTable(card);
  return {
    version: card.version,
    created_at: card.created_at,
    library: { name: card.library.name, version: card.library.version },
    objective: card.objective,
    feature_schema_hash: card.feature_schema_hash,
    feature_count: card.features.length,
    history_feature_count: card.packed_history_features.length,
    trees: card.onnx.trees,
    policy: { approve_below: card.policy.approve_below, decline_from: card.policy.decline_from },
    metrics: {
      cv_auc: summary(card.metrics.cv_auc),
      cv_auc_no_history: summary(card.metrics.cv_auc_no_history),
      brier: card.metrics.brier,
      ece: card.metrics.ece,
    },
    reason_code_table_version: factors.version,
    reason_factors: factors.factors.map((f) => ({
      code: f.code,
      statement: f.statement,
      description: f.description,
      age_based: f.age_based,
      features: f.features,
    })),
  };
}
