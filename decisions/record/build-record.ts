import { type ApplicationRecord, fastRecord } from "../../features/application/columns.ts";
import type { LoanTerms } from "../../features/application/loan-terms.ts";
import { HISTORY_SOURCES_FEATURE, hasHistory } from "../../scoring/history-routing.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { Score, ScoringInput } from "../../scoring/scorer.ts";
import { encodeInputVector, INPUT_ENCODING } from "./input-vector.ts";
import { type DecisionRecord, type Endpoint, RECORD_VERSION } from "./schema.ts";

/** What a request contributes to each of its records. */
export interface RecordContext {
  requestId: string;
  endpoint: Endpoint;
  decidedAt: string;
  principal: { kind: string; id: string };
}

/** What one scored item contributes. */
export interface ScoredItem {
  item: number;
  clientId: number;
  score: Score;
  loan: LoanTerms | null;
  application: ApplicationRecord;
  applicationSource: "submitted" | "online-store";
  featureSet: { id: number; featuresAsOf: string } | null;
  /** What it was scored from: a challenger in shadow scores the same. */
  scoringInput: ScoringInput;
}

/** Missing values dropped, as the application arrived (JSON has no undefined). */
function plainApplication(record: ApplicationRecord): Readonly<Record<string, number | string>> {
  // A submitted application has none (application-schema.ts drops them): kept as it is, not copied.
  let missing = false;
  for (const k in record) {
    const v = record[k];
    if (v === null || v === undefined) {
      missing = true;
      break;
    }
  }
  if (!missing) return record as Readonly<Record<string, number | string>>;
  const entries: [string, number | string][] = [];
  for (const k in record) {
    const v = record[k];
    if (v !== null && v !== undefined) entries.push([k, v]);
  }
  return fastRecord(entries);
}

/** Decision records of one model: resolved once (the routing input), applied per item. */
export class RecordBuilder {
  /** The column the graph routes on (scoring/history-routing.ts), or -1 for a model without one. */
  private readonly routingColumn: number;

  constructor(private readonly card: ModelCard) {
    this.routingColumn = card.features.findIndex((f) => f.name === HISTORY_SOURCES_FEATURE);
  }

  /** Whether the main ensemble scored the item: the graph's own rule, so records and routing agree. */
  hasHistory(input: ArrayLike<number>): boolean {
    return this.routingColumn < 0 || hasHistory(input, this.routingColumn);
  }

  build(ctx: RecordContext, scored: ScoredItem): DecisionRecord {
    const { score } = scored;
    return {
      record_type: "decision",
      record_version: RECORD_VERSION,
      request_id: ctx.requestId,
      item: scored.item,
      decided_at: ctx.decidedAt,
      endpoint: ctx.endpoint,
      principal_kind: ctx.principal.kind,
      principal_id: ctx.principal.id,
      client_id: scored.clientId,
      model_version: this.card.version,
      feature_schema_hash: this.card.feature_schema_hash,
      feature_set_version: scored.featureSet?.id ?? null,
      features_as_of: scored.featureSet?.featuresAsOf ?? null,
      probability: score.probability,
      decision: score.decision,
      approve_below: this.card.policy.approve_below,
      decline_from: this.card.policy.decline_from,
      reason_codes: score.reasonCodes ?? [],
      reasons: score.reasons ?? [],
      has_history: this.hasHistory(score.input),
      input_encoding: INPUT_ENCODING,
      input_count: score.input.length,
      input_vector: encodeInputVector(score.input),
      loan: scored.loan ? { ...scored.loan } : null,
      application: plainApplication(scored.application),
      application_source: scored.applicationSource,
    };
  }
}
