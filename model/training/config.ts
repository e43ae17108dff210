import { readFileSync } from "node:fs";
import { z } from "zod";
import { UserError } from "../../lib/errors.ts";

import { DEFAULT_CONFIG_PATH } from "../../lib/paths.ts";

export { DEFAULT_CONFIG_PATH };

const probability = z.number().min(0).max(1);

export const TrainingConfigSchema = z.strictObject({
  config_version: z.literal(1),
  description: z.string().optional(),
  /** Base seed: CV repeats use seed, seed+1, ...; the final model uses seed. */
  seed: z.number().int().min(0),
  folds: z.number().int().min(2).max(20),
  /**
   * How many of the folds are scored (default: all). With a lot of data, one fold of five is an 80/20
   * holdout: as honest, and a fifth of the training time.
   */
  evaluated_folds: z.number().int().min(1).optional(),
  /** Rows (a fixed stratified-free sample) over which global feature importance is averaged. */
  importance_rows: z.number().int().min(100).default(20_000),
  /** Keep CODE_GENDER and NAME_FAMILY_STATUS out of the model's inputs (ECOA / Reg B). */
  exclude_protected: z.boolean(),
  /** Train on every row twice, once with its history blanked, so new applicants score well. */
  history_augmentation: z.boolean(),
  /**
   * Score clients without any history with a second ensemble trained on application features alone
   * (the graph picks it when every history input is missing): it beats the main model's history-blanked
   * rows, since none of its trees or column samples go to features it will never see.
   */
  no_history_model: z.boolean().default(true),
  /**
   * Regulation B's rule for applicants aged 62 or over, enforced in training (model/fair-lending/age-rule.ts):
   * age-derived inputs in trees of their own, their leaves capped so they never push such an applicant's risk up.
   */
  age_rule: z.boolean().default(true),
  /**
   * The untouched test part: a stratified share of the labelled rows split off before anything is fitted
   * or chosen. Everything (CV, tree count, calibration, thresholds, reviews) uses the rest.
   */
  untouched_test: z
    .strictObject({ fraction: z.number().gt(0).lt(0.5), seed: z.number().int().min(0) })
    .default({ fraction: 0.2, seed: 14 }),
  /** Bootstrap replicates for the card's 95% intervals. */
  bootstrap: z
    .strictObject({ replicates: z.number().int().min(100), seed: z.number().int().min(0) })
    .default({ replicates: 1000, seed: 20 }),
  /**
   * Refit the served model on every labelled row (development and untouched test part) with the same
   * configuration and tree count; otherwise the served model is the one evaluated on the untouched part.
   */
  refit_on_all_rows: z.boolean().default(true),
  /** Run the proxy review (one served-like CV of the main ensemble per candidate input). */
  proxy_review: z.boolean().default(true),
  early_stopping: z.strictObject({
    holdout_fraction: z.number().gt(0).lt(0.5),
    patience: z.number().int().min(1),
    max_rounds: z.number().int().min(1),
    /** The refit on all training rows runs best_iteration * refit_factor rounds. */
    refit_factor: z.number().min(1).max(2),
    /** Refit on all training rows after early stopping (worth it on small data, not on large). */
    refit: z.boolean().default(true),
  }),
  xgboost: z
    .looseObject({ objective: z.literal("binary:logistic") })
    .refine((p) => !("seed" in p), "xgboost.seed is set from the top-level seed"),
  cost_model: z.strictObject({
    interest_margin: z.number().positive(),
    loss_given_default: z.number().positive(),
    review_cost: z.number().min(0),
    review_catch_rate: probability,
    review_false_decline_rate: probability,
  }),
});

export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;

export function evaluatedFolds(config: TrainingConfig): number {
  return Math.min(config.evaluated_folds ?? config.folds, config.folds);
}

export function loadTrainingConfig(path = DEFAULT_CONFIG_PATH): TrainingConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(`cannot read training config ${path}: ${(error as Error).message}`);
  }
  const parsed = TrainingConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new UserError(`invalid training config ${path}: ${issues}`);
  }
  return parsed.data;
}
