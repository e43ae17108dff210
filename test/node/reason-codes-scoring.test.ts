import { beforeAll, describe, expect, it } from "vitest";
import { factorOf } from "../../features/reason-codes.ts";
import { loadScorer } from "../../model/offline-scoring/load-scorer.ts";
import { declineWithoutReasonRisk, ReasonCoder } from "../../scoring/reason-codes.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import { type SampleClient, sampleClients } from "../support/sample-inputs.ts";

// Reason codes of the committed model on real sample clients: factors, not four variants of one input.
let scorer: Scorer;
let clients: SampleClient[];

beforeAll(async () => {
  scorer = await loadScorer({ explain: true });
  clients = await sampleClients(scorer.card.packed_history_features, 1500);
});

describe("reason codes", () => {
  it("gives client 100002 one external-score reason where its reasons named four variants of it", async () => {
    const client = clients.find((c) => c.clientId === 100002)!;
    const [score] = await scorer.score([client], { reasons: true });
    const external = score!.reasons!.filter(
      (r) => factorOf(scorer.card.features.find((f) => f.name === r.feature)!).code === "EXTERNAL_SCORES",
    );
    expect(external.length).toBeGreaterThan(1);
    const codes = score!.reasonCodes!.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes[0]).toBe("EXTERNAL_SCORES");
    expect(score!.reasonCodes![0]!.features).toEqual(expect.arrayContaining(external.map((r) => r.feature)));
  });

  it("ranks up to four factors by summed contribution: positive, strongest first, sums of their inputs", async () => {
    const scores = await scorer.score(clients.slice(0, 300), { reasons: true });
    const names = scorer.card.features.map((f) => f.name);
    for (const score of scores) {
      const codes = score.reasonCodes!;
      expect(codes.length).toBeLessThanOrEqual(4);
      const { contributions } = scorer.explain(score.input);
      // Every factor's sum, recomputed from the table: the chosen ones are the largest positive ones.
      const sums = new Map<string, number>();
      names.forEach((_name, i) => {
        const code = factorOf(scorer.card.features[i]!).code;
        sums.set(code, (sums.get(code) ?? 0) + contributions[i]!);
      });
      const expected = [...sums.entries()]
        .filter(([, s]) => s > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4);
      expect(codes.map((c) => c.code)).toEqual(expected.map(([code]) => code));
      codes.forEach((c, k) => {
        expect(c.contribution).toBeCloseTo(expected[k]![1], 12);
        expect(c.features.length).toBeGreaterThan(0);
        for (const f of c.features) {
          const i = names.indexOf(f);
          expect(factorOf(scorer.card.features[i]!).code).toBe(c.code);
          expect(contributions[i]).toBeGreaterThan(0);
        }
      });
    }
  });

  it("gives every decline at least one reason code, and never a protected attribute", async () => {
    // The sample's declines, and rows pushed towards decline by blanking their history.
    const rows = clients.map((c) => ({ ...c, history: c.clientId % 3 === 0 ? null : c.history }));
    const scores = await scorer.score(rows, { reasons: true });
    const declines = scores.filter((s) => s.decision === "decline");
    expect(declines.length).toBeGreaterThan(10);
    for (const s of declines) expect(s.reasonCodes!.length).toBeGreaterThan(0);
    const named = scores.flatMap((s) => s.reasonCodes!.flatMap((c) => c.features));
    expect(named).not.toContain("CODE_GENDER");
    expect(named).not.toContain("NAME_FAMILY_STATUS");
  });

  it("refuses a model whose base value could decline without a reason", () => {
    expect(declineWithoutReasonRisk([-2.5, -2.2], 0.29)).toBeNull();
    expect(declineWithoutReasonRisk([-2.5, -0.5], 0.29)).toMatch(/could come without any reason code/);
  });

  it("keeps the strongest four when more factors raise the risk, and none when none does", () => {
    const table = {
      version: "t",
      factors: ["A", "B", "C", "D", "E"].map((code) => ({
        code,
        statement: `${code} statement`,
        description: "",
        age_based: false,
        features: [],
      })),
      factor_of_input: [0, 0, 1, 2, 3, 4, 4],
    };
    const coder = new ReasonCoder(table, ["a1", "a2", "b", "c", "d", "e1", "e2"]);
    const codes = coder.top([0.3, -0.1, 0.1, 0.5, 0.05, 0.2, 0.2]);
    expect(codes.map((c) => c.code)).toEqual(["C", "E", "A", "B"]);
    expect(codes[1]!.features).toEqual(["e1", "e2"]);
    expect(codes[2]).toMatchObject({ features: ["a1"] });
    expect(codes[2]!.contribution).toBeCloseTo(0.2, 12);
    expect(coder.top([-1, 0, 0, 0, 0, 0, 0])).toEqual([]);
  });
});

describe("the model card's reason codes, factor importance and baseline", () => {
  it("records the resolved table with the age-based factor marked, and every factor's importance", () => {
    const card = scorer.card;
    expect(card.reason_codes!.factors.filter((f) => f.age_based).map((f) => f.code)).toEqual(["AGE"]);
    expect(card.factor_importance!.map((f) => f.code).sort()).toEqual(
      card.reason_codes!.factors.map((f) => f.code).sort(),
    );
    expect(card.factor_importance![0]!.code).toBe("EXTERNAL_SCORES");
    const age = card.factor_importance!.find((f) => f.code === "AGE")!;
    expect(age.age_based).toBe(true);
    for (let i = 1; i < card.factor_importance!.length; i++)
      expect(card.factor_importance![i]!.mean_abs_contribution).toBeLessThanOrEqual(
        card.factor_importance![i - 1]!.mean_abs_contribution,
      );
  });

  it("has a baseline per input (missing its own bin) and of the score, shares summing to 1", () => {
    const baseline = scorer.card.baseline!;
    expect(baseline.rows).toBe(scorer.card.training_data.rows);
    expect(baseline.inputs.map((i) => i.name)).toEqual(scorer.card.features.map((f) => f.name));
    for (const input of baseline.inputs) {
      expect(input.proportions).toHaveLength(input.edges.length + 1);
      const total = input.proportions.reduce((s, p) => s + p, input.missing);
      expect(total, input.name).toBeCloseTo(1, 4);
      for (let i = 1; i < input.edges.length; i++)
        expect(input.edges[i]!).toBeGreaterThan(input.edges[i - 1]!);
    }
    const history = baseline.inputs.find((i) => i.name.startsWith("bureau_"))!;
    expect(history.missing).toBeGreaterThan(0);
    expect(baseline.score.edges).toHaveLength(9);
    for (const p of baseline.score.proportions) expect(p).toBeCloseTo(0.1, 2);
  });
});
