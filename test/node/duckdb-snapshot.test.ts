import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeClient } from "../../online-store/packed-client.ts";
import { openDuckDbSnapshot } from "../../sync/source/duckdb-snapshot.ts";
import type { SnapshotSource } from "../../sync/source/snapshot-source.ts";
import type { VectorRow } from "../../sync/source/vector-row.ts";
import { openWarehouseSnapshot } from "../../sync/source/warehouse-snapshot.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { copySampleWarehouse } from "../support/sample-warehouse.ts";

// The DuckDB snapshot reads column vectors (vocabulary positions and history arrays computed in SQL); the
// generic path reads rows through the Warehouse interface, as BigQuery's does. Both must store every client
// byte for byte alike, including the values the fast path treats specially.

let dir: string;
let path: string;
const OUTSIDE = "Not a category (ünïcode)";
let edited: { outside: number; nullText: number; nullHistory: number; historyName: string };

async function collect(source: SnapshotSource): Promise<Map<number, VectorRow>> {
  const rows = new Map<number, VectorRow>();
  try {
    for await (const page of source.rows(97)) for (const row of page) rows.set(row.clientId, row);
  } finally {
    await source.close();
  }
  return rows;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "credit-edge-duckdb-snapshot-"));
  path = await copySampleWarehouse(dir);
  const w = await DuckDbWarehouse.open({ path });
  try {
    const ids = (await w.query("SELECT SK_ID_CURR FROM applications ORDER BY SK_ID_CURR LIMIT 3")).rows.map(
      ([id]) => Number(id),
    );
    const historyName = (await loadRegistry(w)).features.find((f) => f.group === "history")!.name;
    edited = { outside: ids[0]!, nullText: ids[1]!, nullHistory: ids[2]!, historyName };
    await w.query(
      `UPDATE applications SET NAME_TYPE_SUITE = '${OUTSIDE.replaceAll("'", "''")}', OCCUPATION_TYPE = 'It''s new' WHERE SK_ID_CURR = ${edited.outside}`,
    );
    await w.query(
      `UPDATE applications SET NAME_TYPE_SUITE = NULL, AMT_ANNUITY = NULL WHERE SK_ID_CURR = ${edited.nullText}`,
    );
    await w.query(
      `UPDATE client_features SET ${historyName} = NULL WHERE SK_ID_CURR = ${edited.nullHistory}`,
    );
  } finally {
    await w.close();
  }
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the DuckDB snapshot", () => {
  it("stores every client exactly as the generic row-by-row snapshot does", async () => {
    const source = await openDuckDbSnapshot({ path, memoryLimit: "1GB", threads: 2 });
    const historyCount = source.historyNames.length;
    const fast = await collect(source);
    const generic = await collect(await openWarehouseSnapshot(await DuckDbWarehouse.open({ path })));
    expect(fast.size).toBeGreaterThan(100);
    expect(fast.size).toBe(generic.size);
    const differing = [...generic].filter(([id, row]) => fast.get(id)?.packedHex !== row.packedHex);
    expect(differing.map(([id]) => id)).toEqual([]);
    for (const [id, row] of generic) {
      const other = fast.get(id)!;
      expect([other.hashHi, other.hashLo]).toEqual([row.hashHi, row.hashLo]);
    }

    // The edited clients carry the edits: text outside the vocabulary, missing text and history.
    const decoded = (id: number) => decodeClient(Buffer.from(fast.get(id)!.packedHex, "hex"), historyCount);
    expect(decoded(edited.outside).application).toMatchObject({
      NAME_TYPE_SUITE: OUTSIDE,
      OCCUPATION_TYPE: "It's new",
    });
    expect(decoded(edited.nullText).application).not.toHaveProperty("NAME_TYPE_SUITE");
    expect(decoded(edited.nullText).application).not.toHaveProperty("AMT_ANNUITY");
    expect(decoded(edited.nullHistory).history[0]).toBeNaN();
  }, 120_000);
});
