import { describe, expect, it } from "vitest";
import { ADVERSE_IMPACT_THRESHOLD, adverseImpact } from "../../model/fair-lending/adverse-impact.ts";

describe("adverse-impact ratios", () => {
  // Worked by hand: A approves 8 of 10 (0.8), B 5 of 10 (0.5), C 3 of 4 (0.75). The most-approved group is
  // A, so the ratios are A 0.8/0.8 = 1, B 0.5/0.8 = 0.625 (below 0.8: flagged), C 0.75/0.8 = 0.9375.
  const groups = [...Array(10).fill("A"), ...Array(10).fill("B"), ...Array(4).fill("C")];
  const approved = [...[1, 1, 1, 1, 1, 1, 1, 1, 0, 0], ...[1, 1, 1, 1, 1, 0, 0, 0, 0, 0], ...[1, 1, 1, 0]];
  const result = adverseImpact(groups, approved, { replicates: 400, seed: 1 });

  it("divides each group's approval rate by the most-approved group's", () => {
    expect(result.map((r) => r.group)).toEqual(["A", "B", "C"]);
    expect(result.map((r) => [r.count, r.approved])).toEqual([
      [10, 8],
      [10, 5],
      [4, 3],
    ]);
    expect(result.map((r) => r.approval_rate)).toEqual([0.8, 0.5, 0.75]);
    expect(result[0]!.ratio).toBe(1);
    expect(result[1]!.ratio).toBeCloseTo(0.625, 12);
    expect(result[2]!.ratio).toBeCloseTo(0.9375, 12);
  });

  it("flags ratios below 0.8", () => {
    expect(ADVERSE_IMPACT_THRESHOLD).toBe(0.8);
    expect(result.map((r) => r.flagged)).toEqual([false, true, false]);
  });

  it("gives bootstrap intervals around the ratios, reproducible by seed", () => {
    for (const r of result) {
      expect(r.lower).toBeLessThanOrEqual(r.ratio + 1e-12);
      expect(r.upper).toBeGreaterThanOrEqual(r.ratio - 1e-12);
      expect(r.upper).toBeLessThanOrEqual(1);
    }
    // B's interval is wide (10 applicants) but real: it neither collapses to the point nor spans everything.
    expect(result[1]!.upper - result[1]!.lower).toBeGreaterThan(0.1);
    expect(result[1]!.lower).toBeGreaterThan(0);
    expect(adverseImpact(groups, approved, { replicates: 400, seed: 1 })).toEqual(result);
  });

  it("orders groups as asked, unknown groups last", () => {
    const ordered = adverseImpact(["old", "young", null, "old"], [1, 0, 1, 1], {
      replicates: 100,
      seed: 2,
      order: ["young", "old"],
    });
    expect(ordered.map((r) => r.group)).toEqual(["young", "old", "unknown"]);
    expect(ordered.map((r) => r.ratio)).toEqual([0, 1, 1]);
  });
});
