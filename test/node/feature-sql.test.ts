import { Parser } from "node-sql-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPLICATION_FEATURE_DEFINITIONS } from "../../features/application/features.ts";
import { buildRegistry, featureSchemaHash } from "../../features/registry.ts";
import type { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { CLIENT_FEATURES_TABLE, featureSqlFiles } from "../../warehouse/feature-sql.ts";
import { openSampleWarehouse } from "../support/sample-warehouse.ts";

const files = featureSqlFiles();
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  warehouse = await openSampleWarehouse();
});
afterAll(async () => {
  await warehouse.close();
});

describe("feature SQL files", () => {
  it("exist, one table each, ending with the client feature table", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(new Set(files.map((f) => f.table)).size).toBe(files.length);
    expect(files.at(-1)?.table).toBe(CLIENT_FEATURES_TABLE);
  });

  it.each(files.map((f) => [f.table, f] as const))(
    "%s parses in node-sql-parser's BigQuery dialect",
    (_, file) => {
      const ast = new Parser().astify(file.sql, { database: "BigQuery" });
      const statements = Array.isArray(ast) ? ast : [ast];
      expect(statements).toHaveLength(1);
      expect(statements[0]?.type).toBe("select");
    },
  );

  it.each(files.map((f) => [f.table, f] as const))("%s ran on DuckDB: one row per client", async (table) => {
    const page = await warehouse.query(`SELECT COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM ${table}`);
    const [rows, clients] = page.rows[0]!;
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBe(clients);
  });

  it("names every history feature with its file's source prefix and describes it", async () => {
    const columns = (await warehouse.columns(CLIENT_FEATURES_TABLE)).filter((c) => c.name !== "SK_ID_CURR");
    expect(columns.length).toBeGreaterThan(400);
    for (const column of columns) {
      expect(column.name).toMatch(/^(bureau|bb|prev|pos|cc|inst|hist)_[a-z0-9_]+$/);
      expect(column.kind === "int" || column.kind === "float", column.name).toBe(true);
      const describedBy = files.filter((f) => f.descriptions.has(column.name));
      expect(describedBy.length, column.name).toBeGreaterThanOrEqual(1);
    }
  });

  it("gives the client feature table one row per application", async () => {
    const page = await warehouse.query(
      `SELECT (SELECT COUNT(*) FROM applications), COUNT(*), COUNT(DISTINCT SK_ID_CURR) FROM ${CLIENT_FEATURES_TABLE}`,
    );
    const [applications, rows, distinct] = page.rows[0]!;
    expect(rows).toBe(applications);
    expect(distinct).toBe(applications);
  });

  it("never produces Infinity or NaN", async () => {
    const columns = (await warehouse.columns(CLIENT_FEATURES_TABLE)).filter((c) => c.kind === "float");
    const checks = columns
      .map((c) => `COUNT(*) FILTER (WHERE isinf(${c.name}) OR isnan(${c.name}))`)
      .join(" + ");
    const page = await warehouse.query(`SELECT ${checks} FROM ${CLIENT_FEATURES_TABLE}`);
    expect(page.rows[0]?.[0]).toBe(0);
  });
});

describe("feature registry", () => {
  it("lists the application features, then the history columns in table order, with a hash", async () => {
    const registry = await loadRegistry(warehouse);
    const history = (await warehouse.columns(CLIENT_FEATURES_TABLE)).filter((c) => c.name !== "SK_ID_CURR");
    expect(registry.features.map((f) => f.name)).toEqual([
      ...APPLICATION_FEATURE_DEFINITIONS.map((f) => f.name),
      ...history.map((c) => c.name),
    ]);
    expect(registry.schemaHash).toMatch(/^fs-[0-9a-f]{16}$/);
    expect(registry.schemaHash).toBe(await featureSchemaHash(registry.features));
    expect(Date.parse(registry.builtAt)).not.toBeNaN();
  });

  it("changes its hash when the feature set changes, not when a description does", async () => {
    const { features, schemaHash } = await loadRegistry(warehouse);
    const reworded = features.map((f, i) => (i === 0 ? { ...f, description: "reworded" } : f));
    expect((await buildRegistry(reworded)).schemaHash).toBe(schemaHash);
    const renamed = features.map((f, i) => (i === features.length - 1 ? { ...f, name: `${f.name}_v2` } : f));
    expect((await buildRegistry(renamed)).schemaHash).not.toBe(schemaHash);
    const reordered = [features[1]!, features[0]!, ...features.slice(2)];
    expect((await buildRegistry(reordered)).schemaHash).not.toBe(schemaHash);
    const shorter = features.slice(0, -1);
    expect((await buildRegistry(shorter)).schemaHash).not.toBe(schemaHash);
  });

  it("refuses a feature defined twice", async () => {
    const { features } = await loadRegistry(warehouse);
    await expect(buildRegistry([...features, features[0]!])).rejects.toThrow(/defined twice/);
  });
});
