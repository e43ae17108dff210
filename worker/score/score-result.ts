import type { ModelCard } from "../../scoring/model-card.ts";
import type { Score } from "../../scoring/scorer.ts";
import type { ItemError, ScoreResult } from "../api/schemas.ts";
import type { ApiError } from "../problem/api-error.ts";
import { statusTitle } from "../problem/problem.ts";
import type { FeatureSetRef } from "../store/online-store.ts";

/** A score in the API's terms; `featureSet` is where the history came from, null when there was none. */
export function scoreResult(
  requestId: string,
  clientId: number,
  score: Score,
  card: ModelCard,
  featureSet: FeatureSetRef | null,
): ScoreResult {
  return {
    request_id: requestId,
    client_id: clientId,
    probability: score.probability,
    decision: score.decision,
    reasons: score.reasons ?? [],
    reason_codes: score.reasonCodes ?? [],
    model_version: card.version,
    feature_set_version: featureSet?.id ?? null,
    features_as_of: featureSet?.featuresAsOf ?? null,
  };
}

export function itemError(clientId: number, error: ApiError): ItemError {
  return {
    client_id: clientId,
    error: { status: error.status, title: statusTitle(error.status), detail: error.message },
  };
}
