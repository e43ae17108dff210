import { describe, expect, it } from "vitest";
import type { ValidatorSections } from "../../model/card/sections.ts";
import { untouchedSplit } from "../../model/evaluation/untouched-split.ts";
import { readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { openSampleWarehouse } from "../support/sample-warehouse.ts";

describe("the untouched test split", () => {
  const labels = Array.from({ length: 1003 }, (_, i) => (i % 13 === 0 ? 1 : 0));

  it("puts every row in exactly one part, stratified by the label", () => {
    const { development, test } = untouchedSplit(labels, 0.2, 14);
    expect(new Set([...development, ...test]).size).toBe(labels.length);
    expect(development.length + test.length).toBe(labels.length);
    const positives = labels.filter((y) => y === 1).length;
    expect(test.filter((r) => labels[r] === 1).length).toBe(Math.round(positives * 0.2));
    expect(test.filter((r) => labels[r] === 0).length).toBe(Math.round((labels.length - positives) * 0.2));
  });

  it("depends on its seed, and only on it", () => {
    expect(untouchedSplit(labels, 0.2, 14)).toEqual(untouchedSplit(labels, 0.2, 14));
    expect(untouchedSplit(labels, 0.2, 15).test).not.toEqual(untouchedSplit(labels, 0.2, 14).test);
  });

  it("is the split the committed model card records: its ids, and no id in both parts", async () => {
    const { card } = readArtifacts();
    const validation = (card as unknown as ValidatorSections).validation;
    const warehouse = await openSampleWarehouse();
    let ids: number[];
    let targets: number[];
    try {
      // The training set's row order: the client snapshot's (by SK_ID_CURR).
      const page = await warehouse.query(
        "SELECT SK_ID_CURR, TARGET FROM applications WHERE TARGET IS NOT NULL ORDER BY SK_ID_CURR",
      );
      ids = page.rows.map((r) => Number(r[0]));
      targets = page.rows.map((r) => Number(r[1]));
    } finally {
      await warehouse.close();
    }
    const split = untouchedSplit(targets, validation.untouched_test.fraction, validation.untouched_test.seed);
    const testIds = new Set(validation.untouched_test.ids);
    const developmentIds = split.development.map((r) => ids[r]!);
    expect(validation.untouched_test.ids).toEqual(split.test.map((r) => ids[r]!));
    expect(testIds.size).toBe(validation.untouched_test.rows);
    expect(developmentIds.filter((id) => testIds.has(id))).toEqual([]);
    expect(developmentIds.length + testIds.size).toBe(card.training_data.rows);
    expect(validation.cross_validation.rows).toBe(developmentIds.length);
  });
});
