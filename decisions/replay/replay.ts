import { applicationFeatures } from "../../features/application/features.ts";
import { withLoanTerms } from "../../features/application/loan-terms.ts";
import type { Decision } from "../../scoring/model-card.ts";
import { fillInputRow } from "../../scoring/model-input.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import type { Value, Warehouse } from "../../warehouse/warehouse.ts";
import { DECISION_COLUMN_NAMES, DECISIONS_TABLE, quote } from "../pull/tables.ts";
import { decodeInputVector } from "../record/input-vector.ts";

/** Probabilities agree within this: onnxruntime-web in the Worker and onnxruntime-node here (README). */
export const REPLAY_TOLERANCE = 1e-6;

export interface ReplayedItem {
  item: number;
  client_id: number;
  model_version: string;
  recorded: { probability: number; decision: string; reason_codes: string[] };
  replayed: { probability: number; decision: Decision; reason_codes: string[] };
  probability_delta: number;
  /** Probability within the tolerance and the same decision. */
  match: boolean;
  reason_codes_match: boolean;
  /**
   * The application part of the recorded vector recomputed from the recorded application and loan terms
   * with the feature module: true when every such input is the same float32.
   */
  inputs_match: boolean;
}

export interface ReplayReport {
  request_id: string;
  match: boolean;
  items: ReplayedItem[];
}

type Row = Record<string, Value>;

export async function readRecordRows(warehouse: Warehouse, requestId: string): Promise<Row[]> {
  const result = await warehouse.query(
    `SELECT ${DECISION_COLUMN_NAMES.join(", ")} FROM ${DECISIONS_TABLE} WHERE request_id = ${quote(requestId)} ORDER BY item`,
  );
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, r[i] ?? null])));
}

const sameFloat32 = (a: number, b: number) =>
  (Number.isNaN(a) && Number.isNaN(b)) || Math.fround(a) === Math.fround(b);

/**
 * Recompute each recorded item with its model version's artifact: the model on the recorded input vector
 * (no online store involved), and the application inputs from the recorded application and loan terms.
 */
export async function replayRequest(
  requestId: string,
  rows: readonly Row[],
  scorerFor: (version: string) => Promise<Scorer>,
): Promise<ReplayReport> {
  const items: ReplayedItem[] = [];
  for (const row of rows) {
    const version = String(row.model_version);
    const scorer = await scorerFor(version);
    const count = Number(row.input_count);
    if (count !== scorer.width)
      throw new Error(
        `item ${row.item}: the record has ${count} inputs, model ${version} reads ${scorer.width}`,
      );
    const vector = decodeInputVector(String(row.input_vector), count);
    const [score] = await scorer.scoreInputs(vector, 1, { reasons: true });
    const application = JSON.parse(String(row.application)) as Record<string, number | string>;
    const loan = row.loan === null ? undefined : JSON.parse(String(row.loan));
    // The history part is the record's own; only the application part is recomputed and compared.
    const recomputed = new Float32Array(count);
    fillInputRow(
      scorer.layout,
      applicationFeatures(withLoanTerms(application, loan)),
      new Float64Array(scorer.card.packed_history_features.length).fill(Number.NaN),
      recomputed,
    );
    let inputsMatch = true;
    for (let i = 0; i < count; i++)
      if (scorer.layout.fromApplication[i]! >= 0 && !sameFloat32(recomputed[i]!, vector[i]!))
        inputsMatch = false;
    const recordedCodes = (JSON.parse(String(row.reason_codes)) as { code: string }[]).map((c) => c.code);
    const replayedCodes = score!.reasonCodes!.map((c) => c.code);
    const recordedProbability = Number(row.probability);
    const delta = Math.abs(score!.probability - recordedProbability);
    items.push({
      item: Number(row.item),
      client_id: Number(row.client_id),
      model_version: version,
      recorded: {
        probability: recordedProbability,
        decision: String(row.decision),
        reason_codes: recordedCodes,
      },
      replayed: { probability: score!.probability, decision: score!.decision, reason_codes: replayedCodes },
      probability_delta: delta,
      match: delta <= REPLAY_TOLERANCE && score!.decision === row.decision,
      reason_codes_match: JSON.stringify(recordedCodes) === JSON.stringify(replayedCodes),
      inputs_match: inputsMatch,
    });
  }
  return { request_id: requestId, match: items.every((i) => i.match), items };
}
