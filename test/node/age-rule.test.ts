import { beforeAll, describe, expect, it } from "vitest";
import type { ApplicationRecord } from "../../features/application/columns.ts";
import { ELDERLY_DAYS_BIRTH } from "../../features/application/elderly.ts";
import { APPLICATION_FEATURE_DEFINITIONS, applicationFeatures } from "../../features/application/features.ts";
import { ageBasedInputs } from "../../features/reason-codes.ts";
import {
  ageRuleFor,
  checkAgeRule,
  elderlyCap,
  elderlyExcess,
  expectedValue,
  type RuleTree,
} from "../../model/fair-lending/age-rule.ts";
import { ruleTrees } from "../../model/fair-lending/age-rule-check.ts";
import { readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { ModelExplainer } from "../../scoring/model-explainer.ts";
import { readOnnxModel } from "../../scoring/onnx-model.ts";
import { Scorer } from "../../scoring/scorer.ts";
import { type SampleClient, sampleClients } from "../support/sample-inputs.ts";

// Regulation B, 12 CFR 1002.6(b)(2): for every applicant aged 62 or over, the summed contribution of the
// age-derived inputs (the reason-code table's age-based factor) may not push the risk up.

const TOLERANCE = 1e-12;
const ageNames = ageBasedInputs(APPLICATION_FEATURE_DEFINITIONS);

describe("the application features of an applicant aged 62 or over", () => {
  const base: ApplicationRecord = {
    DAYS_BIRTH: -15_000,
    DAYS_EMPLOYED: 365243,
    DAYS_REGISTRATION: -3000,
    DAYS_ID_PUBLISH: -2000,
    DAYS_LAST_PHONE_CHANGE: -100,
    AMT_INCOME_TOTAL: 100_000,
    AMT_CREDIT: 300_000,
  };
  const at = (record: ApplicationRecord) => {
    const values = applicationFeatures(record);
    return ageNames.map((n) => values[APPLICATION_FEATURE_DEFINITIONS.findIndex((f) => f.name === n)]!);
  };

  it("withhold every age-derived input, and nobody else's is ever missing", () => {
    expect(ageNames).toHaveLength(8);
    expect(at({ ...base, DAYS_BIRTH: Math.floor(ELDERLY_DAYS_BIRTH) }).every(Number.isNaN)).toBe(true);
    expect(at({ ...base, DAYS_BIRTH: -30_000 }).every(Number.isNaN)).toBe(true);
    // 61.99 years: age-derived inputs present, the missing ratios (no job, no car) as "not applicable".
    const younger = at({ ...base, DAYS_BIRTH: Math.ceil(ELDERLY_DAYS_BIRTH) + 1 });
    expect(younger.some(Number.isNaN)).toBe(false);
    expect(younger).toContain(-1);
  });
});

describe("the age rule on one tree", () => {
  // Root on input 0 (missing goes right), right child on input 1 (missing goes left). The elderly path
  // (every age input missing) is 0 -> 2 -> 3: leaf value 0.5, cover share 0.6 * 0.5 = 0.3.
  const tree: RuleTree = {
    left: [1, -1, 3, -1, -1],
    right: [2, -1, 4, -1, -1],
    feature: [0, 0, 1, 0, 0],
    missingLeft: [0, 0, 1, 0, 0],
    cover: [10, 4, 6, 3, 3],
    value: [0, -0.2, 0, 0.5, 0.1],
  };

  it("finds the elderly leaf above the tree's expected value", () => {
    // E = 0.4 * -0.2 + 0.3 * 0.5 + 0.3 * 0.1 = 0.1; the elderly leaf exceeds it by 0.4.
    expect(expectedValue(tree)).toBeCloseTo(0.1, 12);
    expect(elderlyExcess(tree)).toBeCloseTo(0.4, 12);
  });

  it("caps that leaf at the fixed point c = (E - w v) / (1 - w), as a float32", () => {
    const cap = elderlyCap(tree)!;
    // (0.1 - 0.3 * 0.5) / 0.7 = -1/14
    expect(cap.nodes).toEqual([3]);
    expect(cap.value).toBeCloseTo(-1 / 14, 6);
    expect(Math.fround(cap.value)).toBe(cap.value);
    const capped = { ...tree, value: Array.from(tree.value, (v, i) => (i === 3 ? cap.value : v)) };
    expect(elderlyExcess(capped)).toBeLessThanOrEqual(0);
    expect(elderlyCap(capped)).toBeNull();
  });

  it("counts a tree mixing age-derived and other inputs as a violation of the structure", () => {
    const rule = { ageInputs: [0], names: ["DAYS_BIRTH"] };
    expect(checkAgeRule([tree], rule)).toMatchObject({ mixedTrees: 1, ageTrees: 0 });
    expect(checkAgeRule([tree], { ageInputs: [0, 1], names: ["a", "b"] })).toMatchObject({
      ageTrees: 1,
      violations: 1,
    });
  });
});

describe("the committed model", () => {
  const { card, onnx } = readArtifacts();
  const trees = readOnnxModel(onnx);
  const explainer = new ModelExplainer(trees);
  const scorer = new Scorer(card, { probabilities: () => Promise.reject(new Error("unused")) }, explainer);
  const ageInputs = ageRuleFor(card.features).ageInputs;
  let clients: SampleClient[];

  beforeAll(async () => {
    clients = await sampleClients(card.packed_history_features);
  }, 300_000);

  const ageContribution = (row: Float32Array) => {
    const { contributions } = scorer.explain(row);
    return ageInputs.reduce((s, i) => s + contributions[i]!, 0);
  };

  it("keeps the age-derived inputs in trees of their own, none above its expected value on the elderly path", () => {
    const rule = ageRuleFor(card.features);
    for (const ensemble of [trees.ensemble, trees.noHistory?.ensemble]) {
      if (!ensemble) continue;
      const check = checkAgeRule(ruleTrees(ensemble), rule);
      expect(check.ageTrees).toBeGreaterThan(0);
      expect(check.mixedTrees).toBe(0);
      expect(check.violations).toBe(0);
    }
  });

  it("never pushes up the risk of a sample applicant aged 62 or over through age, with or without history", () => {
    const elderly = clients.filter(
      (c) => typeof c.application.DAYS_BIRTH === "number" && c.application.DAYS_BIRTH <= ELDERLY_DAYS_BIRTH,
    );
    expect(elderly.length).toBeGreaterThan(500);
    const items = [...elderly, ...elderly.map((c) => ({ ...c, history: null }))];
    const inputs = scorer.inputs(items);
    let largest = Number.NEGATIVE_INFINITY;
    for (let r = 0; r < items.length; r++)
      largest = Math.max(largest, ageContribution(inputs.subarray(r * scorer.width, (r + 1) * scorer.width)));
    expect(largest).toBeLessThanOrEqual(TOLERANCE);
  });

  it("never does for synthetic applicants aged 62 to 100, whatever their other inputs", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const items = Array.from({ length: 2000 }, (_, i) => {
      const source = clients[Math.floor(random() * clients.length)]!;
      const application: ApplicationRecord = {
        ...source.application,
        DAYS_BIRTH: -Math.round((62 + random() * 38) * 365.25 + 1),
        DAYS_EMPLOYED: random() < 0.3 ? 365243 : -Math.round(random() * 15000),
        OWN_CAR_AGE: random() < 0.5 ? null : Math.round(random() * 40),
        AMT_INCOME_TOTAL: 20_000 + random() * 500_000,
        AMT_CREDIT: 40_000 + random() * 2_000_000,
        DAYS_ID_PUBLISH: -Math.round(random() * 8000),
        DAYS_REGISTRATION: -Math.round(random() * 20000),
        DAYS_LAST_PHONE_CHANGE: -Math.round(random() * 4000),
      };
      return { application, history: i % 2 ? source.history : null };
    });
    const inputs = scorer.inputs(items);
    let largest = Number.NEGATIVE_INFINITY;
    let negative = 0;
    for (let r = 0; r < items.length; r++) {
      const c = ageContribution(inputs.subarray(r * scorer.width, (r + 1) * scorer.width));
      largest = Math.max(largest, c);
      if (c < -1e-6) negative++;
    }
    expect(largest).toBeLessThanOrEqual(TOLERANCE);
    // Not vacuous: the age trees do act on these applicants, in their favour.
    expect(negative).toBeGreaterThan(100);
  });
});
