import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentProgress } from "../../lib/progress.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { buildFeatures } from "../../warehouse/build-features.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { runCliToEnd } from "../support/sync/sync-process.ts";

// Incremental sync after a change in the warehouse: bureau records of some clients rewritten, one
// application removed, one added. What changed is worked out from the warehouse itself (the feature rows
// before and after, compared at the stored float32 precision), not assumed.

let f: SyncFixture;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
let base: SyncReport;

/** The warehouse as `credit-edge features` opens it (parallel, so sums may differ in their last bits). */
async function withWarehouse<T>(work: (w: DuckDbWarehouse) => Promise<T>): Promise<T> {
  const warehouse = await DuckDbWarehouse.open({ path: f.warehouse });
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

const ids = (page: { rows: readonly (readonly unknown[])[] }) =>
  page.rows.map((r) => Number(r[0])).sort((a, b) => a - b);

async function sync(...args: string[]): Promise<SyncReport> {
  const run = await runCliToEnd(f.args("sync", "--json", ...args), f.env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncReport;
}

async function hashes(version: number): Promise<Map<number, string>> {
  const rows = await reader.db
    .prepare("SELECT client_id, hash_hi, hash_lo FROM client_vectors WHERE feature_set_id = ?")
    .bind(version)
    .all<{ client_id: number; hash_hi: number; hash_lo: number }>();
  return new Map(
    rows.results.map((r: { client_id: number; hash_hi: number; hash_lo: number }) => [
      r.client_id,
      `${r.hash_hi}:${r.hash_lo}`,
    ]),
  );
}

beforeAll(async () => {
  f = await syncFixture("sync-incremental");
  await withWarehouse((w) => buildFeatures(w, silentProgress));
  base = await sync();
  reader = await openD1Reader(f.state);
});

afterAll(async () => {
  await reader?.close();
  f?.cleanup();
});

describe("credit-edge sync --incremental", () => {
  it("with an unchanged source, keeps the active version and writes nothing", async () => {
    const report = await sync("--incremental");
    expect(report.outcome).toBe("unchanged");
    expect(report.version).toBe(base.version);
    expect(report.changes).toEqual({ updated: 0, added: 0, removed: 0, unchanged: base.rows });
    expect(report.written).toBe(0);
    const sets = await reader.db.prepare("SELECT COUNT(*) AS n FROM feature_sets").first<{ n: number }>();
    expect(sets?.n).toBe(1);
  });

  it("after the features are rebuilt from unchanged tables, finds every stored vector byte-identical", async () => {
    // Twice, through the CLI as a user runs it: DuckDB's parallel sums land on 0 or -0, and on other last
    // bits, differently from run to run; the stored bytes must not.
    for (let rebuild = 0; rebuild < 2; rebuild++) {
      const built = await runCliToEnd(["features"], f.env);
      expect(built.code, built.stderr).toBe(0);
      const report = await sync("--incremental");
      expect(report.changes).toEqual({ updated: 0, added: 0, removed: 0, unchanged: base.rows });
      expect(report.written).toBe(0);
    }
  });

  it("after a source change, rewrites only the changed clients, copies the rest, and matches a full sync", async () => {
    const { touched, removed, added, changed } = await withWarehouse(async (w) => {
      await w.createTableAs(
        "features_before",
        "SELECT SK_ID_CURR, CAST(COLUMNS(* EXCLUDE (SK_ID_CURR)) AS FLOAT) FROM client_features",
      );
      const touched = ids(
        await w.query("SELECT DISTINCT SK_ID_CURR FROM bureau WHERE SK_ID_CURR % 97 = 5 ORDER BY 1 LIMIT 12"),
      );
      const list = touched.join(", ");
      await w.query(
        `UPDATE bureau SET AMT_CREDIT_SUM = AMT_CREDIT_SUM * 3 + 12345 WHERE SK_ID_CURR IN (${list})`,
      );
      await w.query(`UPDATE bureau SET DAYS_CREDIT = DAYS_CREDIT - 400 WHERE SK_ID_CURR IN (${list})`);
      const [removed] = ids(
        await w.query(`SELECT MIN(SK_ID_CURR) FROM applications WHERE SK_ID_CURR NOT IN (${list})`),
      );
      await w.query(`DELETE FROM applications WHERE SK_ID_CURR = ${removed}`);
      const [added] = ids(await w.query("SELECT MAX(SK_ID_CURR) + 1 FROM applications"));
      await w.query(
        `INSERT INTO applications SELECT * REPLACE (${added} AS SK_ID_CURR) FROM applications WHERE SK_ID_CURR = ${touched[0]}`,
      );
      await buildFeatures(w, silentProgress);
      // Clients still present whose stored features (float32) differ from before.
      const changed = ids(
        await w.query(`SELECT SK_ID_CURR FROM (
          SELECT SK_ID_CURR, CAST(COLUMNS(* EXCLUDE (SK_ID_CURR)) AS FLOAT) FROM client_features
          EXCEPT SELECT * FROM features_before) WHERE SK_ID_CURR IN (SELECT SK_ID_CURR FROM features_before)`),
      );
      return { touched, removed: removed!, added: added!, changed };
    });
    expect(changed.length).toBeGreaterThanOrEqual(touched.length);
    expect(changed).toEqual(expect.arrayContaining(touched));

    const report = await sync("--incremental");
    expect(report.outcome).toBe("activated");
    expect(report.mode).toBe("incremental");
    expect(report.previousVersion).toBe(base.version);
    expect(report.changes).toEqual({
      updated: changed.length,
      added: 1,
      removed: 1,
      unchanged: base.rows - changed.length - 1,
    });
    expect(report.written).toBe(changed.length + 1);
    expect(report.copied).toBe(base.rows - changed.length - 1);

    // In D1: exactly the changed and added clients differ from the base version; the removed one is gone.
    const before = await hashes(base.version!);
    const after = await hashes(report.version!);
    const rewritten = [...after].filter(([id, hash]) => before.get(id) !== hash).map(([id]) => id);
    expect(rewritten.sort((a, b) => a - b)).toEqual([...changed, added].sort((a, b) => a - b));
    expect(after.has(removed)).toBe(false);
    expect(after.size).toBe(base.rows);

    const status = JSON.parse(
      (await runCliToEnd(f.args("sync", "status", "--json"), f.env)).stdout,
    ) as SyncStatus;
    expect(status.versions[0]).toMatchObject({
      version: report.version,
      mode: "incremental",
      base_version: base.version,
      changed_rows: changed.length + 2,
      checksum: report.checksum,
      active: true,
    });

    // The same source written in full gives the same rows.
    const full = await sync("--full");
    expect(full.checksum).toBe(report.checksum);
    expect(full.rows).toBe(report.rows);
  });
});
