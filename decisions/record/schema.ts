import { z } from "zod";
import { INPUT_ENCODING } from "./input-vector.ts";

/**
 * The decision record: one per scored item of /v1/score, /v1/score/batch and /v1/applications/score,
 * written by the Worker (Queue -> queue() -> R2 NDJSON), read by `decisions pull`, `replay` and `monitor`.
 * The one definition of its keys. It carries everything needed to recompute the decision without the
 * online store (feature sets are garbage-collected): the model input vector in its own encoding, the loan
 * terms and the application. Never a credential: the caller is named by its principal id.
 *
 * A second line type, `shadow`, carries a challenger's probability and decision for the same
 * (request_id, item), written after the response.
 */
export const RECORD_VERSION = "dr-1";

export const ENDPOINTS = ["/v1/score", "/v1/score/batch", "/v1/applications/score"] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const Decision = z.enum(["approve", "review", "decline"]);
const IsoTime = z.iso.datetime({ offset: true });

export const ReasonCodeRecord = z.object({
  code: z.string(),
  statement: z.string(),
  contribution: z.number(),
  features: z.array(z.string()),
});

export const ReasonRecord = z.object({
  feature: z.string(),
  value: z.union([z.number(), z.string(), z.null()]),
  contribution: z.number(),
  description: z.string(),
});

const ApplicationValue = z.union([z.number(), z.string(), z.null()]);

export const DecisionRecordSchema = z.object({
  record_type: z.literal("decision"),
  record_version: z.literal(RECORD_VERSION),
  /** The Worker's own generated request id (never the caller's X-Request-Id). */
  request_id: z.string().min(1),
  /** The item's index in the request (client_ids / applications order); 0 for /v1/score. */
  item: z.number().int().nonnegative(),
  decided_at: IsoTime,
  endpoint: z.enum(ENDPOINTS),
  /** "api-key" or "end-user". */
  principal_kind: z.string(),
  /** The caller's principal id: `env:…` / `d1:…` for a key, `sub:…` for an end user. Never a credential. */
  principal_id: z.string(),
  client_id: z.number().int().positive(),
  model_version: z.string(),
  feature_schema_hash: z.string(),
  /** The online-store feature set the history came from; null when there was none. */
  feature_set_version: z.number().int().nullable(),
  features_as_of: z.string().nullable(),
  probability: z.number().min(0).max(1),
  decision: Decision,
  /** The policy thresholds the decision was taken with. */
  approve_below: z.number(),
  decline_from: z.number(),
  reason_codes: z.array(ReasonCodeRecord),
  reasons: z.array(ReasonRecord),
  /** At least one history input was present (the full model scored it, not the application-only one). */
  has_history: z.boolean(),
  input_encoding: z.literal(INPUT_ENCODING),
  input_count: z.number().int().positive(),
  /** The model input row (see input-vector.ts). */
  input_vector: z.string(),
  /** Loan terms the caller sent instead of the application's (/v1/score), else null. */
  loan: z.object({ amount: z.number(), annuity: z.number(), goods_price: z.number().optional() }).nullable(),
  /** The application the features were computed from: submitted, or the online store's copy. */
  application: z.record(z.string(), ApplicationValue),
  application_source: z.enum(["submitted", "online-store"]),
});

export const ShadowRecordSchema = z.object({
  record_type: z.literal("shadow"),
  record_version: z.literal(RECORD_VERSION),
  request_id: z.string().min(1),
  item: z.number().int().nonnegative(),
  decided_at: IsoTime,
  client_id: z.number().int().positive(),
  challenger_model_version: z.string(),
  probability: z.number().min(0).max(1),
  decision: Decision,
});

export const RecordLineSchema = z.discriminatedUnion("record_type", [
  DecisionRecordSchema,
  ShadowRecordSchema,
]);

export type DecisionRecord = z.infer<typeof DecisionRecordSchema>;
export type ShadowRecord = z.infer<typeof ShadowRecordSchema>;
export type RecordLine = z.infer<typeof RecordLineSchema>;

/** The R2 prefix of decision records, partitioned by the UTC day they were decided. */
export const RECORDS_PREFIX = "decisions/";
/** Where the dead-letter consumer keeps lines that are not records (for a person to look at). */
export const DEAD_LETTER_PREFIX = "decisions-dead-letter/";

/** `YYYY-MM-DD` (UTC) of an ISO time. */
export const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);

export const partitionPrefix = (day: string) => `${RECORDS_PREFIX}dt=${day}/`;

/** Identity of a line: (request_id, item), per line type. */
export const lineKey = (line: Pick<RecordLine, "record_type" | "request_id" | "item">) =>
  `${line.record_type}:${line.request_id}:${line.item}`;
