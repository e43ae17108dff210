import { z } from "@hono/zod-openapi";
import { MAX_REASONS } from "../../scoring/reasons.ts";
import { ApplicationSchema, ClientIdSchema } from "./application-schema.ts";

/** Clients or applications per batch request. */
export const MAX_BATCH = 100;

const Amount = (description: string, example: number) =>
  z.number().positive().openapi({ description, example });

export const LoanTermsSchema = z
  .object({
    amount: Amount("Credit amount (AMT_CREDIT)", 500000),
    annuity: Amount("Loan annuity (AMT_ANNUITY)", 25000),
    goods_price: Amount(
      "Price of the goods financed (AMT_GOODS_PRICE); the application's when omitted",
      450000,
    ).optional(),
  })
  .openapi("LoanTerms", {
    description: "Loan terms to score instead of the application's; the derived features follow them.",
  });

export const ScoreRequestSchema = z
  .object({ client_id: ClientIdSchema, loan: LoanTermsSchema.optional() })
  .openapi("ScoreRequest");

export const BatchScoreRequestSchema = z
  .object({ client_ids: z.array(ClientIdSchema).min(1).max(MAX_BATCH) })
  .openapi("BatchScoreRequest");

export const ApplicationsScoreRequestSchema = z
  .object({ applications: z.array(ApplicationSchema).min(1).max(MAX_BATCH) })
  .openapi("ApplicationsScoreRequest");

export const ReasonSchema = z
  .object({
    feature: z.string().openapi({ example: "app_ext_source_mean" }),
    value: z
      .union([z.number(), z.string(), z.null()])
      .openapi({ description: "The client's value; null when missing" }),
    contribution: z
      .number()
      .openapi({ description: "How much it raises the log-odds of default (calibrated)" }),
    description: z.string(),
  })
  .openapi("Reason", { description: "A feature pushing the risk of default up (TreeSHAP)." });

export const ScoreResultSchema = z
  .object({
    request_id: z.string(),
    client_id: ClientIdSchema,
    probability: z.number().min(0).max(1).openapi({ description: "Calibrated probability of default" }),
    decision: z.enum(["approve", "review", "decline"]),
    reasons: z.array(ReasonSchema).max(MAX_REASONS).openapi({ description: "Up to 4, strongest first" }),
    model_version: z.string(),
    feature_set_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The online-store feature set the history came from; null for none" }),
    features_as_of: z
      .string()
      .nullable()
      .openapi({ description: "When the warehouse built that feature set; null for none" }),
  })
  .openapi("ScoreResult");

export const ItemErrorSchema = z
  .object({
    client_id: ClientIdSchema,
    error: z.object({ status: z.number().int(), title: z.string(), detail: z.string() }),
  })
  .openapi("BatchItemError", { description: "A client of a batch that could not be scored." });

export const BatchScoreResponseSchema = z
  .object({ request_id: z.string(), results: z.array(z.union([ScoreResultSchema, ItemErrorSchema])) })
  .openapi("BatchScoreResponse", { description: "One result per requested client, in request order." });

export const ApplicationsScoreResponseSchema = z
  .object({ request_id: z.string(), results: z.array(ScoreResultSchema) })
  .openapi("ApplicationsScoreResponse", { description: "One result per application, in request order." });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    request_id: z.string(),
    errors: z
      .array(z.object({ path: z.string().openapi({ example: "loan.amount" }), message: z.string() }))
      .optional(),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

const Summary = z.object({ mean: z.number(), sd: z.number() });

export const ModelInfoSchema = z
  .object({
    version: z.string(),
    created_at: z.string(),
    library: z.object({ name: z.string(), version: z.string() }),
    objective: z.string(),
    feature_schema_hash: z.string(),
    feature_count: z.number().int(),
    history_feature_count: z.number().int(),
    trees: z.number().int(),
    policy: z.object({ approve_below: z.number(), decline_from: z.number() }),
    metrics: z.object({ cv_auc: Summary, cv_auc_no_history: Summary, brier: z.number(), ece: z.number() }),
  })
  .openapi("ModelInfo", { description: "The public part of the model card." });

export const HealthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

export const ShardReadySchema = z
  .object({
    shard: z.number().int().min(0),
    status: z.enum(["ok", "unavailable", "no_active_set", "mismatch"]).openapi({
      description: "ok: serves the model's feature set; otherwise why its clients answer 503",
    }),
    feature_set_version: z.number().int().nullable(),
    detail: z.string().optional(),
  })
  .openapi("ShardReady");

export const ReadySchema = z
  .object({
    status: z.enum(["ready", "degraded"]).openapi({
      description:
        "ready: every shard serves; degraded: some shards do not, and only their clients answer 503 (with Retry-After)",
    }),
    model_version: z.string(),
    feature_schema_hash: z.string(),
    feature_set_version: z.number().int().openapi({
      description: "The newest feature set a serving shard has (shards agree outside a sync's activation)",
    }),
    features_as_of: z.string(),
    shards: z.array(ShardReadySchema).openapi({ description: "Every shard of the online store, in order" }),
  })
  .openapi("Ready");

export type ScoreResult = z.infer<typeof ScoreResultSchema>;
export type ItemError = z.infer<typeof ItemErrorSchema>;
export type ModelInfo = z.infer<typeof ModelInfoSchema>;
