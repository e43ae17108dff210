import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryLookup } from "../../model/offline-scoring/history-lookup.ts";
import { readArtifacts } from "../../model/offline-scoring/read-artifacts.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { CLIENT_FEATURES_TABLE } from "../../warehouse/feature-sql.ts";
import { copySampleWarehouse } from "../support/sample-warehouse.ts";

let dir: string;
let warehouse: DuckDbWarehouse;
const { card } = readArtifacts();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "history-lookup-"));
  warehouse = await DuckDbWarehouse.open({ path: await copySampleWarehouse(dir) });
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("HistoryLookup on DuckDB", () => {
  it("finds the same vectors read whole at open as by per-batch queries, and none for unknown ids", async () => {
    const page = (
      await warehouse.query(`SELECT SK_ID_CURR FROM ${CLIENT_FEATURES_TABLE} ORDER BY SK_ID_CURR`)
    ).rows;
    const known = page.filter((_, i) => i % 7 === 0).map((r) => Number(r[0]));
    const unknown = [1, 990_001, 990_002];
    const ids = [...unknown, ...known, known[0]!];

    const whole = await HistoryLookup.open(warehouse, card);
    const batched = await HistoryLookup.open(warehouse, card, { preloadBytes: 0 });
    const a = await whole.fetch(ids);
    const b = await batched.fetch(ids);

    expect([...a.keys()].sort((x, y) => x - y)).toEqual(known);
    expect([...b.keys()].sort((x, y) => x - y)).toEqual(known);
    for (const id of known) {
      expect(a.get(id)).toHaveLength(card.packed_history_features.length);
      expect(Array.from(a.get(id)!)).toEqual(Array.from(b.get(id)!));
    }
    expect(unknown.map((id) => whole.mayHold(id) || batched.mayHold(id))).toEqual([false, false, false]);
    // A batch of unknown ids only is answered without a query: empty.
    expect((await batched.fetch(unknown)).size).toBe(0);

    // One column checked against SQL directly: the lookup reads what the warehouse holds.
    const column = card.packed_history_features[0]!;
    const direct = await warehouse.query(
      `SELECT CAST(${column} AS DOUBLE) FROM ${CLIENT_FEATURES_TABLE} WHERE SK_ID_CURR = ${known[3]}`,
    );
    const value = direct.rows[0]![0];
    expect(a.get(known[3]!)![0]).toEqual(value === null ? Number.NaN : value);
  });
});
