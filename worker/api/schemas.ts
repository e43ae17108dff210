import { z } from "@hono/zod-openapi";
import { MAX_REASONS } from "../../scoring/reasons.ts";
import { ApplicationSchema, ClientIdSchema } from "./application-schema.ts";

/** Clients or applications per batch request. */
export const MAX_BATCH = 100;

/**
 * Loan terms a lender could offer: the largest credit in the training data is about 4 M, its largest annuity
 * about 260 k. The bounds leave a wide margin and keep out values that are no loan (1e308, 1e-300).
 */
export const LOAN_LIMITS = { maxAmount: 100_000_000, maxAnnuity: 10_000_000, minAmount: 1 } as const;

const Amount = (description: string, example: number, max: number) =>
  z
    .number()
    .min(LOAN_LIMITS.minAmount)
    .max(max)
    .openapi({
      description: `${description}, ${LOAN_LIMITS.minAmount} to ${max.toLocaleString("en")}`,
      example,
    });

export const LoanTermsSchema = z
  .object({
    amount: Amount("Credit amount (AMT_CREDIT)", 500000, LOAN_LIMITS.maxAmount),
    annuity: Amount("Loan annuity (AMT_ANNUITY)", 25000, LOAN_LIMITS.maxAnnuity),
    goods_price: Amount(
      "Price of the goods financed (AMT_GOODS_PRICE); the application's when omitted",
      450000,
      LOAN_LIMITS.maxAmount,
    ).optional(),
  })
  // An instalment larger than the credit itself is no loan anyone offers.
  .refine((terms) => terms.annuity <= terms.amount, {
    path: ["annuity"],
    message: "the annuity may not exceed the credit amount",
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

export const ReasonCodeSchema = z
  .object({
    code: z.string().openapi({ example: "EXTERNAL_SCORES" }),
    statement: z.string().openapi({ example: "Low score from external credit bureaus" }),
    contribution: z.number().openapi({
      description: "The factor's summed TreeSHAP contribution to the log-odds of default (calibrated); > 0",
    }),
    features: z.array(z.string()).openapi({
      description: "The factor's inputs that raised the risk for this client, strongest first",
      example: ["EXT_SOURCE_3", "app_ext_source_2x3"],
    }),
  })
  .openapi("ReasonCode", {
    description:
      "An adverse-action reason: a factor of the versioned reason-code table (GET /v1/model lists them) whose inputs together raised the risk of default.",
  });

export const ScoreResultSchema = z
  .object({
    request_id: z.string(),
    client_id: ClientIdSchema,
    probability: z.number().min(0).max(1).openapi({ description: "Calibrated probability of default" }),
    decision: z.enum(["approve", "review", "decline"]),
    reasons: z.array(ReasonSchema).max(MAX_REASONS).openapi({ description: "Up to 4, strongest first" }),
    reason_codes: z.array(ReasonCodeSchema).max(MAX_REASONS).openapi({
      description:
        "Up to 4 factors with the largest positive summed contribution, strongest first; a decline always has at least one",
    }),
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
    reason_code_table_version: z.string().openapi({ example: "rc-1" }),
    reason_factors: z
      .array(
        z.object({
          code: z.string(),
          statement: z.string(),
          description: z.string(),
          age_based: z.boolean().openapi({ description: "Built on the applicant's age (Regulation B)" }),
          features: z.array(z.string()).openapi({ description: "The model inputs in this factor" }),
        }),
      )
      .openapi({ description: "The reason-code factors: every model input belongs to exactly one" }),
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
