import type { ScoredItem } from "../../decisions/record/build-record.ts";
import type { ApplicationRecord } from "../../features/application/columns.ts";
import type { LoanTerms } from "../../features/application/loan-terms.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { ScoringInput } from "../../scoring/scorer.ts";
import type { ItemError, ScoreResult } from "../api/schemas.ts";
import { ApiError, notFound, serviceUnavailable } from "../problem/api-error.ts";
import type { ClientLookup, FeatureSetRef, OnlineStore } from "../store/online-store.ts";
import { assertUsableFeatureSet, decodeStoredClient, decodeStoredHistory } from "../store/stored-client.ts";
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

/**
 * Stored clients, in request order; a client that cannot be scored is an item error, not a failed batch.
 * Clients may live on different shards: each result carries its own shard's feature set (a batch that
 * straddles an activation may mix versions), and a shard that is down fails only its clients (503 items).
 */
export async function scoreClients(
  ctx: ScoringContext,
  clientIds: readonly number[],
): Promise<(ScoreResult | ItemError)[]> {
  const [scorer, lookup] = await Promise.all([
    availableScorer(ctx.scorer),
    ctx.store.clients(ctx.card.feature_schema_hash, clientIds),
  ]);
  const failure = lookup.allFailed();
  if (failure) throw failure;
  const outcomes = clientIds.map(
    (clientId): { input: ScoringInput; featureSet: FeatureSetRef } | ApiError => {
      const entry = lookup.entry(clientId);
      if (entry instanceof ApiError) return entry;
      try {
        assertUsableFeatureSet(entry.featureSet, ctx.card);
        if (!entry.vector) return notFound(`client ${clientId} is not in the active feature set`);
        return { input: decodeStoredClient(entry.vector, ctx.card), featureSet: entry.featureSet };
      } catch (error) {
        if (error instanceof ApiError) return error;
        throw error;
      }
    },
  );
  const scored = outcomes.filter(
    (o): o is { input: ScoringInput; featureSet: FeatureSetRef } => !(o instanceof ApiError),
  );
  const scores = await scorer.score(
    scored.map((o) => o.input),
    { reasons: true },
  );
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
                application: outcome.input.application,
                applicationSource: "online-store" as const,
                featureSet: outcome.featureSet,
                scoringInput: outcome.input,
              },
            ],
      ),
    );
  }
  let next = 0;
  return outcomes.map((outcome, i) =>
    outcome instanceof ApiError
      ? itemError(clientIds[i]!, outcome)
      : scoreResult(ctx.requestId, clientIds[i]!, scores[next++]!, ctx.card, outcome.featureSet),
  );
}

export interface ApplicationToScore {
  clientId: number;
  record: ApplicationRecord;
}

/**
 * New applications, in request order: history from the active set when it knows the client, else none.
 * A client whose shard cannot answer fails the request (503): scoring it without its history would be
 * a different score, silently.
 */
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
  const found = applications.map(({ clientId }) => {
    const entry = lookup.entry(clientId);
    if (entry instanceof ApiError) throw entry;
    assertUsableFeatureSet(entry.featureSet, ctx.card);
    return entry.vector
      ? { history: decodeStoredHistory(entry.vector, ctx.card), featureSet: entry.featureSet }
      : null;
  });
  const inputs = applications.map((a, i) => ({ application: a.record, history: found[i]?.history ?? null }));
  const scores = await scorer.score(inputs, { reasons: true });
  ctx.onScored?.(
    applications.map((a, i) => ({
      item: i,
      clientId: a.clientId,
      score: scores[i]!,
      loan: null,
      application: a.record,
      applicationSource: "submitted" as const,
      featureSet: found[i]?.featureSet ?? null,
      scoringInput: inputs[i]!,
    })),
  );
  return applications.map((a, i) =>
    scoreResult(ctx.requestId, a.clientId, scores[i]!, ctx.card, found[i]?.featureSet ?? null),
  );
}
