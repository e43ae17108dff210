import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ValidatorSections } from "../../model/card/sections.ts";
import { loadTrainingConfig } from "../../model/training/config.ts";
import { MONITORING_TRIGGERS } from "../../monitoring/triggers.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { runCli } from "../support/run-cli.ts";
import { copySampleWarehouse } from "../support/sample-warehouse.ts";

// A quick configuration (few, large steps) so the whole train command runs in seconds; everything else
// (protocol, calibration, policy, export, card, report) is the real thing.
let dir: string;
let env: Record<string, string>;
let config: string;
let first: { code: number | null; stdout: string; stderr: string };

const files = ["model.onnx", "booster.json", "booster-no-history.json", "model.json", "report.html"];
const read = (out: string, file: string) => readFileSync(join(dir, out, file));
const card = (out: string) => JSON.parse(read(out, "model.json").toString()) as ModelCard & ValidatorSections;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "train-test-"));
  env = { CREDIT_EDGE_DUCKDB: await copySampleWarehouse(join(dir, "warehouse")) };
  const quick = loadTrainingConfig();
  quick.xgboost = { ...quick.xgboost, eta: 0.3 };
  quick.early_stopping = { ...quick.early_stopping, patience: 10, max_rounds: 60 };
  // The fewest replicates the config allows: intervals are checked for shape here, not for width.
  quick.bootstrap = { ...quick.bootstrap, replicates: 100 };
  config = join(dir, "quick.json");
  writeFileSync(config, JSON.stringify(quick));
  first = await runCli(["train", "--seeds", "2", "--config", config, "--out", join(dir, "a")], env);
}, 1_200_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("credit-edge train", () => {
  it("writes the ONNX model, booster, card and report", () => {
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/CV AUC 0\.\d{4} ± 0\.\d{4}, history masked 0\.\d{4}/);
    expect(first.stdout).toMatch(
      /untouched test \(1000 clients, model trained without them\): AUC 0\.\d{4} \[0\.\d{4}, 0\.\d{4}\]/,
    );
    expect(first.stdout).toMatch(/profit cross-fitted [\d,]+ \(in-sample [\d,]+\)/);
    for (const file of files) expect(read("a", file).length).toBeGreaterThan(0);
  });

  it("fills every key of the model card", () => {
    const c = card("a");
    expect(c.version).toMatch(/^m-[0-9a-f]{12}$/);
    expect(Date.parse(c.created_at)).not.toBeNaN();
    expect(c.library.name).toBe("xgboost");
    expect(c.library.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(c.training_data.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(c.training_data.rows).toBe(5000);
    expect(c.training_data.positives).toBeGreaterThan(0);
    expect(c.features.length).toBeGreaterThan(500);
    expect(c.features.find((f) => f.type === "categorical")?.vocabulary?.length).toBeGreaterThan(1);
    expect(c.feature_schema_hash).toMatch(/^fs-/);
    expect(c.policy.approve_below).toBeLessThanOrEqual(c.policy.decline_from);
    expect(c.policy.cost_model.interest_margin).toBeGreaterThan(0);
    for (const key of ["cv_auc", "cv_auc_no_history"] as const) {
      expect(c.metrics[key].per_seed).toHaveLength(2);
      expect(c.metrics[key].mean).toBeGreaterThan(0.65);
      expect(c.metrics[key].sd).toBeGreaterThanOrEqual(0);
    }
    expect(c.metrics.brier).toBeGreaterThan(0);
    expect(c.metrics.brier).toBeLessThan(0.1);
    expect(c.metrics.ece).toBeGreaterThanOrEqual(0);
    expect(c.metrics.ece).toBeLessThan(0.05);
    // New applicants are scored by a second ensemble, calibrated on its own out-of-fold margins.
    expect(c.no_history?.booster_file).toBe("booster-no-history.json");
    expect(c.no_history?.trees).toBeGreaterThan(0);
    expect(c.no_history?.calibration.slope).toBeGreaterThan(0);
    expect(c.onnx.trees).toBeGreaterThan(c.no_history?.trees ?? 0);
  });

  it("writes the validator's sections: untouched part, CV intervals, calibration check, fairness, profit, monitoring", () => {
    const c = card("a");
    expect(c.intended_use.out_of_scope.length).toBeGreaterThan(0);
    expect(c.target.reject_inference).toBe(false);
    expect(c.target.coverage.map((t) => t.table)).toContain("installments_payments");
    const t = c.validation.untouched_test;
    expect([t.fraction, t.rows, t.ids.length]).toEqual([0.2, 1000, 1000]);
    expect(new Set(t.ids).size).toBe(1000);
    expect(c.validation.cross_validation.rows).toBe(4000);
    for (const m of [t.metrics.auc, t.metrics.brier, t.metrics.ece, t.metrics.ks, t.metrics.gini]) {
      expect(m.lower).toBeLessThanOrEqual(m.value);
      expect(m.upper).toBeGreaterThanOrEqual(m.value);
      expect(m.upper).toBeGreaterThan(m.lower);
    }
    expect(t.metrics.deciles).toHaveLength(10);
    const cv = c.validation.cross_validation.cv_auc_pooled;
    expect(cv.lower).toBeLessThan(cv.value);
    expect(cv.upper).toBeGreaterThan(cv.value);
    expect(c.validation.cross_validation.zero_history.rows).toBeGreaterThan(0);
    expect(c.validation.served_model.trees.main).toBe(c.hyperparameters.rounds);
    for (const k of ["main", "no_history"] as const)
      expect(c.validation.calibration[k].served).toMatch(/^(cv|refit)_calibration$/);
    expect(c.validation.tuning_protocol.length).toBeGreaterThan(2);
    expect(c.segments.contract_type.map((s) => s.segment)).toEqual(expect.arrayContaining(["Cash loans"]));
    expect(c.benchmark.untouched_test.auc.value).toBeGreaterThan(0.6);
    expect(c.routing.main_ensemble + c.routing.no_history_ensemble).toBe(5000);
    expect(c.routing.no_history_ensemble).toBeGreaterThan(0);
    expect(c.fair_lending.age_rule.served_trees.main.violations).toBe(0);
    expect(c.fair_lending.age_rule.max_age_contribution_elderly).toBeLessThanOrEqual(1e-12);
    for (const g of ["sex", "marital_status", "age_band"] as const)
      expect(c.fair_lending.untouched_test[g].adverse_impact.length).toBeGreaterThan(1);
    expect(c.fair_lending.untouched_test.age_band.adverse_impact.map((a) => a.group)).toContain(
      "62 and over",
    );
    const review = c.fair_lending.proxy_review;
    expect("candidates" in review && review.candidates.map((e) => e.decision).length).toBe(6);
    expect(c.policy_evaluation.profit_cross_fitted).toBe(
      (c.metrics.policy_outcome as { profit_cross_fitted: number }).profit_cross_fitted,
    );
    expect(typeof c.policy_evaluation.no_history_segment.new_applicants.needs_own_thresholds).toBe("boolean");
    expect(c.cost_sensitivity.rows).toHaveLength(20);
    expect(c.monitoring.triggers).toEqual(MONITORING_TRIGGERS);
  });

  it("keeps the protected attributes out of the inputs, and says so", () => {
    const c = card("a");
    expect(c.excluded_attributes.sort()).toEqual(["CODE_GENDER", "NAME_FAMILY_STATUS"]);
    for (const name of c.excluded_attributes) expect(c.features.map((f) => f.name)).not.toContain(name);
    const fairness = c.metrics.fairness as { by_gender: { group: string }[] };
    expect(fairness.by_gender.map((s) => s.group)).toEqual(expect.arrayContaining(["F", "M"]));
  });

  it("regenerates identical artifacts for the same data, config and seed", async () => {
    // Retrained over a copy of the first run's folder: the same bytes, the card's created_at included (the
    // version did not change, so the card keeps its creation time). The first run wrote into an empty
    // folder, so fresh and in-place training agree byte for byte, the report too. Two trainings, not three.
    mkdirSync(join(dir, "b"));
    for (const file of files) copyFileSync(join(dir, "a", file), join(dir, "b", file));
    const again = await runCli(["train", "--seeds", "2", "--config", config, "--out", join(dir, "b")], env);
    expect(again.code).toBe(0);
    // It trained (a run that only found the folder up to date would prove nothing).
    expect(again.stdout).toMatch(/CV AUC 0\.\d{4} ± 0\.\d{4}/);
    for (const file of files) expect(read("b", file).equals(read("a", file)), file).toBe(true);
    expect(card("b").created_at).toBe(card("a").created_at);
  }, 2_400_000);

  it("explains a bad config and exits non-zero", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...loadTrainingConfig(), folds: 1 }));
    const result = await runCli(["train", "--config", bad, "--out", join(dir, "c")], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid training config .*bad\.json: folds: /);
  });
});
