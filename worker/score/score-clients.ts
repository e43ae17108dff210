import type { ScoredItem } from "../../decisions/record/build-record.ts";
import type { ApplicationRecord } from "../../features/application/columns.ts";
import type { LoanTerms } from "../../features/application/loan-terms.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { ScoringInput } from "../../scoring/scorer.ts";
import type { ItemError, ScoreResult } from "../api/schemas.ts";
import { ApiError, notFound, serviceUnavailable } from "../problem/api-error.ts";
import type { ClientLookup, OnlineStore } from "../store/online-store.ts";
import { assertUsableFeatureSet, decodeStoredClient } from "../store/stored-client.ts";
import { itemError, scoreResult } from "./score-result.ts";
import { availableScorer, type ScorerSource } from "./scorer-source.ts";

/** What scoring a request needs: the model, where its Scorer comes from, the store, the request's id. */
export interface ScoringContext {
  card: ModelCard;
  scorer: ScorerSource;
  store: OnlineStore;
  requestId: string;
  /** Told what was scored, for the decision record (decisions/worker/record-request.ts). */
  onScored?: (items: readonly ScoredItem[]) => void;
}

function activeSet(lookup: ClientLookup | null, card: ModelCard): ClientLookup {
  if (!lookup)
    throw serviceUnavailable(
      `no feature set is active for the model's feature schema ${card.feature_schema_hash}`,
    );
  assertUsableFeatureSet(lookup.featureSet, card);
  return lookup;
}

/** One stored client, optionally with other loan terms. 404 for a client the active set lacks. */
export async function scoreClient(
  ctx: ScoringContext,
  clientId: number,
  loan?: LoanTerms,
): Promise<ScoreResult> {
  // The model (cold: ORT init) and the D1 lookup do not depend on each other.
  const [scorer, lookup] = await Promise.all([
    availableScorer(ctx.scorer),
    ctx.store.client(ctx.card.feature_schema_hash, clientId),
  ]);
  const { featureSet, vectors } = activeSet(lookup, ctx.card);
  const vector = vectors.get(clientId);
  if (!vector) throw notFound(`client ${clientId} is not in the active feature set`);
  const stored = decodeStoredClient(vector, ctx.card);
  const input = { ...stored, loan };
  const [score] = await scorer.score([input], { reasons: true });
  ctx.onScored?.([
    {
      item: 0,
      clientId,
      score: score!,
      loan: loan ?? null,
      application: stored.application,
      applicationSource: "online-store",
      featureSet,
      scoringInput: input,
    },
  ]);
  return scoreResult(ctx.requestId, clientId, score!, ctx.card, featureSet);
}

/** Stored clients, in request order; a client that cannot be scored is an item error, not a failed batch. */
export async function scoreClients(
  ctx: ScoringContext,
  clientIds: readonly number[],
): Promise<(ScoreResult | ItemError)[]> {
  const [scorer, lookup] = await Promise.all([
    availableScorer(ctx.scorer),
    ctx.store.clients(ctx.card.feature_schema_hash, clientIds),
  ]);
  const { featureSet, vectors } = activeSet(lookup, ctx.card);
  const outcomes = clientIds.map((clientId): ScoringInput | ApiError => {
    const vector = vectors.get(clientId);
    if (!vector) return notFound(`client ${clientId} is not in the active feature set`);
    try {
      return decodeStoredClient(vector, ctx.card);
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
  });
  const inputs = outcomes.filter((o): o is ScoringInput => !(o instanceof ApiError));
  const scores = await scorer.score(inputs, { reasons: true });
  if (ctx.onScored) {
    let k = 0;
    ctx.onScored(
      outcomes.flatMap((outcome, i) =>
        outcome instanceof ApiError
          ? []
          : [
              {
                item: i,
                clientId: clientIds[i]!,
                score: scores[k++]!,
                loan: null,
                application: outcome.application,
                applicationSource: "online-store" as const,
                featureSet,
                scoringInput: outcome,
              },
            ],
      ),
    );
  }
  let next = 0;
  return outcomes.map((outcome, i) =>
    outcome instanceof ApiError
      ? itemError(clientIds[i]!, outcome)
      : scoreResult(ctx.requestId, clientIds[i]!, scores[next++]!, ctx.card, featureSet),
  );
}

export interface ApplicationToScore {
  clientId: number;
  record: ApplicationRecord;
}

/** New applications, in request order: history from the active set when it knows the client, else none. */
export async function scoreApplications(
  ctx: ScoringContext,
  applications: readonly ApplicationToScore[],
): Promise<ScoreResult[]> {
  const [scorer, lookup] = await Promise.all([
    availableScorer(ctx.scorer),
    ctx.store.clients(
      ctx.card.feature_schema_hash,
      applications.map((a) => a.clientId),
    ),
  ]);
  const { featureSet, vectors } = activeSet(lookup, ctx.card);
  const histories = applications.map(({ clientId }) => {
    const vector = vectors.get(clientId);
    return vector ? decodeStoredClient(vector, ctx.card).history : null;
  });
  const inputs = applications.map((a, i) => ({ application: a.record, history: histories[i] ?? null }));
  const scores = await scorer.score(inputs, { reasons: true });
  ctx.onScored?.(
    applications.map((a, i) => ({
      item: i,
      clientId: a.clientId,
      score: scores[i]!,
      loan: null,
      application: a.record,
      applicationSource: "submitted" as const,
      featureSet: histories[i] ? featureSet : null,
      scoringInput: inputs[i]!,
    })),
  );
  return applications.map((a, i) =>
    scoreResult(ctx.requestId, a.clientId, scores[i]!, ctx.card, histories[i] ? featureSet : null),
  );
}
