import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ageBasedInputs,
  factorOf,
  factorTable,
  REASON_FACTORS,
  ReasonCodeError,
} from "../../features/reason-codes.ts";
import { ARTIFACTS_DIR } from "../../model/publish/write-artifacts.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { openSampleWarehouse } from "../support/sample-warehouse.ts";

const card = JSON.parse(readFileSync(join(ARTIFACTS_DIR, "model.json"), "utf8")) as ModelCard;

async function registryFeatures() {
  const warehouse = await openSampleWarehouse();
  try {
    return (await loadRegistry(warehouse)).features;
  } finally {
    await warehouse.close();
  }
}

describe("the reason-code table", () => {
  it("puts every input of the committed model and every non-protected registry feature in exactly one factor", async () => {
    for (const input of card.features) expect(() => factorOf(input), input.name).not.toThrow();
    const registry = await registryFeatures();
    const inputs = registry.filter((f) => !f.protected);
    expect(inputs.length).toBeGreaterThan(600);
    for (const input of inputs) expect(() => factorOf(input), input.name).not.toThrow();
  });

  it("fails, naming it, for an input that belongs to no factor", () => {
    const stray = { name: "app_shoe_size", group: "application" as const };
    expect(() => factorOf(stray)).toThrow(ReasonCodeError);
    expect(() => factorOf(stray)).toThrow(/app_shoe_size belongs to no reason-code factor/);
    expect(() => factorOf({ name: "zz_new_table_count", group: "history" as const })).toThrow(
      /no reason-code factor/,
    );
  });

  it("gives a protected attribute no factor", async () => {
    const registry = await registryFeatures();
    const protectedOnes = registry.filter((f) => f.protected).map((f) => f.name);
    expect(protectedOnes.sort()).toEqual(["CODE_GENDER", "NAME_FAMILY_STATUS"]);
    for (const f of registry.filter((r) => r.protected))
      expect(() => factorOf(f)).toThrow(/protected attribute/);
    // Nor does any factor name one as an input.
    for (const factor of REASON_FACTORS)
      for (const name of protectedOnes) expect(factor.inputs ?? [], factor.code).not.toContain(name);
  });

  it("has distinct codes and short consumer-facing statements", () => {
    const codes = REASON_FACTORS.map((f) => f.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const f of REASON_FACTORS) {
      expect(f.code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(f.statement.length, f.code).toBeGreaterThan(10);
      expect(f.statement.length, f.code).toBeLessThanOrEqual(80);
      expect(f.description.length, f.code).toBeGreaterThan(20);
    }
  });

  it("groups the eight age-derived inputs as the one age-based factor", () => {
    expect(ageBasedInputs(card.features).sort()).toEqual(
      [
        "DAYS_BIRTH",
        "app_employed_to_age",
        "app_registration_to_age",
        "app_id_publish_to_age",
        "app_phone_change_to_age",
        "app_car_age_to_age",
        "app_income_to_age",
        "app_credit_to_age",
      ].sort(),
    );
    expect(REASON_FACTORS.filter((f) => f.ageBased).map((f) => f.code)).toEqual(["AGE"]);
  });

  it("resolves, for a model's inputs, each factor's inputs and each input's factor consistently", () => {
    const table = factorTable(card.features);
    expect(table.factor_of_input).toHaveLength(card.features.length);
    card.features.forEach((input, i) => {
      const factor = table.factors[table.factor_of_input[i]!]!;
      expect(factor.features).toContain(input.name);
      expect(factor.code).toBe(factorOf(input).code);
    });
    expect(table.factors.reduce((n, f) => n + f.features.length, 0)).toBe(card.features.length);
    // The four external-score variants behind client 100002's reasons are one factor.
    const external = table.factors.find((f) => f.code === "EXTERNAL_SCORES")!;
    expect(external.features).toEqual(
      expect.arrayContaining([
        "EXT_SOURCE_3",
        "app_ext_source_2x3",
        "app_ext_source_weighted",
        "app_ext_source_mean",
      ]),
    );
  });
});
