import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { type ProgressFactory, silentProgress } from "../../lib/progress.ts";
import { BigQueryWarehouse } from "../../warehouse/bigquery/bigquery-warehouse.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { type IngestedTable, ingest } from "../../warehouse/ingest.ts";
import { BIGQUERY_TYPES, TABLES, tableSpec } from "../../warehouse/tables.ts";
import type { RowPage, Value, Warehouse } from "../../warehouse/warehouse.ts";
import { type BigQueryEmulator, startBigQueryEmulator } from "../support/bigquery-emulator/server.ts";

// The real @google-cloud/bigquery client against the local emulator, checked against the DuckDB warehouse
// on the same sample files: whatever DuckDB computes is the expected value.

let emulator: BigQueryEmulator;
let bigquery: BigQueryWarehouse;
let duckdb: DuckDbWarehouse;
let bigqueryIngest: IngestedTable[];
let duckdbIngest: IngestedTable[];
const requests: string[] = [];
let badDataDir: string;

async function collect(warehouse: Warehouse, sql: string, pageSize: number) {
  const pages: RowPage[] = [];
  for await (const page of warehouse.scan(sql, pageSize)) pages.push(page);
  return { pages, columns: pages[0]?.columns ?? [], rows: pages.flatMap((p) => p.rows) };
}

/** Equal rows, floats within rounding: parallel SUM/AVG may add in a different order. */
function expectSameRows(actual: readonly (readonly Value[])[], expected: readonly (readonly Value[])[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => {
    row.forEach((value, c) => {
      const want = expected[r]?.[c] ?? null;
      if (typeof value === "number" && typeof want === "number" && !Number.isInteger(want)) {
        expect(value).toBeCloseTo(want, 9);
      } else {
        expect(value, `row ${r}, column ${c}`).toStrictEqual(want);
      }
    });
  });
}

beforeAll(async () => {
  emulator = await startBigQueryEmulator({ onRequest: (line) => requests.push(line) });
  bigquery = await BigQueryWarehouse.open({
    projectId: "credit-edge-test",
    dataset: "warehouse",
    apiEndpoint: emulator.url,
  });
  duckdb = await DuckDbWarehouse.open({ path: ":memory:" });
  duckdbIngest = await ingest(duckdb, SAMPLE_DATA_DIR, silentProgress);
  bigqueryIngest = await ingest(bigquery, SAMPLE_DATA_DIR, silentProgress);
  badDataDir = mkdtempSync(join(tmpdir(), "bigquery-warehouse-test-"));
});

afterAll(async () => {
  await bigquery?.close();
  await duckdb?.close();
  await emulator?.close();
  if (badDataDir) rmSync(badDataDir, { recursive: true, force: true });
});

describe("BigQueryWarehouse (real client, local emulator)", () => {
  it("ingests every table with the same row counts as the DuckDB warehouse", async () => {
    expect(bigqueryIngest.map((t) => t.table)).toEqual(TABLES.map((t) => t.name));
    for (const [i, loaded] of bigqueryIngest.entries()) {
      expect(loaded.rows, loaded.table).toBe(duckdbIngest[i]?.rows);
      expect(loaded.rows, loaded.table).toBeGreaterThan(0);
      const counted = await bigquery.query(`SELECT COUNT(*) AS n FROM ${loaded.table}`);
      expect(counted.rows[0]?.[0], loaded.table).toBe(loaded.rows);
    }
    // Each file went up as a multipart upload and its staging table was deleted afterwards.
    const uploads = requests.filter(
      (r) => r.startsWith("POST /upload/bigquery/v2/") && r.includes("uploadType=multipart"),
    );
    const files = bigqueryIngest.reduce((sum, t) => sum + t.files.length, 0);
    expect(uploads).toHaveLength(files);
    expect(requests.filter((r) => r.startsWith("DELETE ") && r.includes("__loading_"))).toHaveLength(files);
  });

  it("types every column as tables.ts says, in spec order", async () => {
    for (const spec of TABLES) {
      const expected = spec.columns.map(([name, kind]) => ({
        name,
        type: BIGQUERY_TYPES[kind],
        kind: kind === "id" ? "int" : kind,
      }));
      expect(await bigquery.columns(spec.name), spec.name).toEqual(expected);
    }
    expect(await bigquery.columns("no_such_table")).toEqual([]);
  });

  it("replaces tables when ingest runs again, reporting bytes uploaded then job states", async () => {
    const updates: { label: string; done: number; total: number }[] = [];
    const statuses: string[] = [];
    const recording: ProgressFactory = ({ label, total }) => ({
      update: (done) => updates.push({ label, done, total }),
      increment() {},
      status: (text) => statuses.push(text),
      stop() {},
    });
    const again = await ingest(bigquery, SAMPLE_DATA_DIR, recording, [
      tableSpec("applications"),
      tableSpec("bureau"),
    ]);
    for (const loaded of again) {
      expect(loaded.rows, loaded.table).toBe(duckdbIngest.find((t) => t.table === loaded.table)?.rows);
      const counted = await bigquery.query(`SELECT COUNT(*) AS n FROM ${loaded.table}`);
      expect(counted.rows[0]?.[0]).toBe(loaded.rows);
    }
    const bureau = updates.filter((u) => u.label === "ingest bureau");
    expect(bureau.length).toBeGreaterThan(1);
    expect(bureau.at(-1)?.done).toBe(bureau.at(-1)?.total);
    expect(statuses).toContain("bureau.csv.gz: uploading");
    expect(statuses).toContain("bureau.csv.gz: load job DONE");
    // application_test has no TARGET: those rows load with NULL there.
    const targets = await bigquery.query("SELECT COUNTIF(TARGET IS NULL) AS unlabelled FROM applications");
    const expected = await duckdb.query("SELECT COUNTIF(TARGET IS NULL) AS unlabelled FROM applications");
    expect(targets.rows).toEqual(expected.rows);
  });

  it("fails a malformed CSV with a UserError naming the file and line, keeping the old table", async () => {
    const spec = tableSpec("bureau");
    const header = spec.columns.map(([name]) => name).join(",");
    const row = (id: string) =>
      `100001,${id},Active,currency 1,-100,0,10.5,,,0,1000.0,,,0.0,Consumer credit,-5,`;
    const path = join(badDataDir, "bureau.csv");
    const before = await bigquery.query("SELECT COUNT(*) FROM bureau");

    writeFileSync(path, `${header}\n${row("5000001")}\n${row("not-a-number")}\n`);
    const badValue = ingest(bigquery, badDataDir, silentProgress, [spec]);
    await expect(badValue).rejects.toBeInstanceOf(UserError);
    await expect(badValue).rejects.toThrow(/bureau\.csv: line 3: malformed CSV: .*not-a-number/);

    writeFileSync(path, `${header}\n${row("5000001")}\n100002,"5000002,Active\n`);
    await expect(ingest(bigquery, badDataDir, silentProgress, [spec])).rejects.toThrow(
      /bureau\.csv: line 3: malformed CSV: .*quote/,
    );

    expect(await bigquery.query("SELECT COUNT(*) FROM bureau")).toEqual(before);
  });

  it("scans a multi-page result page by page, with the same rows and order as DuckDB", async () => {
    const sql = `SELECT SK_ID_BUREAU, SK_ID_CURR, CREDIT_ACTIVE, AMT_ANNUITY, DAYS_ENDDATE_FACT, CNT_CREDIT_PROLONG
      FROM bureau WHERE SK_ID_CURR < 101000 ORDER BY SK_ID_BUREAU`;
    const pageSize = 250;
    const before = requests.length;
    const actual = await collect(bigquery, sql, pageSize);
    const expected = await collect(duckdb, sql, pageSize);

    expect(actual.columns).toEqual(expected.columns);
    expect(actual.rows.length).toBeGreaterThan(3 * pageSize);
    expect(actual.pages.length).toBe(Math.ceil(actual.rows.length / pageSize));
    expect(actual.pages.every((p) => p.rows.length <= pageSize)).toBe(true);
    expect(actual.rows).toStrictEqual(expected.rows);
    // The values are typed, and NULLs are there.
    expect(
      actual.rows.every(
        ([id, curr, active]) =>
          typeof id === "number" && typeof curr === "number" && typeof active === "string",
      ),
    ).toBe(true);
    expect(actual.rows.some((row) => row[3] === null)).toBe(true);
    // One getQueryResults per page, plus the first answer of "not complete yet" that the client polled past.
    const resultCalls = requests
      .slice(before)
      .filter((r) => r.startsWith("GET /bigquery/v2/projects/credit-edge-test/queries/"));
    expect(resultCalls).toHaveLength(actual.pages.length + 1);
    expect(resultCalls.slice(1).every((r) => r.includes(`maxResults=${pageSize}`))).toBe(true);
  });

  it("runs a BigQuery-dialect createTableAs to the same rows as DuckDB", async () => {
    const sql = `WITH per_client AS (
        SELECT SK_ID_CURR,
          COUNT(*) AS bureau_count,
          COUNTIF(CREDIT_ACTIVE = 'Active') AS bureau_active_count,
          SAFE_DIVIDE(SUM(AMT_CREDIT_SUM_DEBT), SUM(AMT_CREDIT_SUM)) AS bureau_debt_ratio,
          AVG(IF(CREDIT_DAY_OVERDUE > 0, 1, 0)) AS bureau_overdue_share,
          MAX(CAST(DAYS_CREDIT AS FLOAT64)) AS bureau_days_credit_max
        FROM bureau
        GROUP BY SK_ID_CURR
      )
      SELECT SK_ID_CURR, TARGET, bureau_count, bureau_active_count, bureau_debt_ratio, bureau_overdue_share,
        bureau_days_credit_max, SAFE_DIVIDE(AMT_CREDIT, 0) AS never_divided
      FROM applications
      JOIN per_client USING (SK_ID_CURR)`;
    await bigquery.createTableAs("bureau_summary", sql);
    await duckdb.createTableAs("bureau_summary", sql);
    const read = "SELECT * FROM bureau_summary ORDER BY SK_ID_CURR";
    const actual = await bigquery.query(read);
    const expected = await duckdb.query(read);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.rows.length).toBeGreaterThan(0);
    expectSameRows(actual.rows, expected.rows);
    expect((await bigquery.columns("bureau_summary")).map((c) => c.type)).toEqual([
      "INT64",
      "INT64",
      "INT64",
      "INT64",
      "FLOAT64",
      "FLOAT64",
      "FLOAT64",
      "FLOAT64",
    ]);
  });

  it("writes a small table from rows, keeping NULL, empty text, quotes and booleans apart", async () => {
    const columns = [
      { name: "position", kind: "int" },
      { name: "label", kind: "text" },
      { name: "score", kind: "float" },
      { name: "flag", kind: "bool" },
    ] as const;
    const rows: Value[][] = [
      [0, 'it\'s "quoted", with a comma', 0.25, true],
      [1, "", null, false],
      [2, null, -1e-7, null],
    ];
    await bigquery.writeTable("written", columns, rows);
    await duckdb.writeTable("written", columns, rows);
    const read = "SELECT * FROM written ORDER BY position";
    expect(await bigquery.query(read)).toEqual(await duckdb.query(read));
    expect((await bigquery.columns("written")).map((c) => c.type)).toEqual([
      "INT64",
      "STRING",
      "FLOAT64",
      "BOOL",
    ]);
    await bigquery.writeTable("written", columns, []);
    expect((await bigquery.query("SELECT COUNT(*) AS n FROM written")).rows).toEqual([[0]]);
  });

  it("reports a failing query as a UserError with BigQuery's message", async () => {
    await expect(bigquery.createTableAs("broken", "SELECT no_such_column FROM bureau")).rejects.toThrow(
      /Unrecognized name: no_such_column/,
    );
    await expect(bigquery.query("SELECT * FROM no_such_table")).rejects.toBeInstanceOf(UserError);
    expect(await bigquery.columns("broken")).toEqual([]);
  });
});
