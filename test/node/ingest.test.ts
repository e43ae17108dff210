import { copyFileSync, createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { silentProgress } from "../../lib/progress.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { ingest } from "../../warehouse/ingest.ts";
import { resolveSourceFiles } from "../../warehouse/source-files.ts";
import { DUCKDB_TYPES, TABLES, tableSpec } from "../../warehouse/tables.ts";

/** Data rows of a CSV (plain or gzip), counted by an independent parser. */
async function csvRows(path: string): Promise<number> {
  const raw = createReadStream(path);
  const parser = (path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw).pipe(parse({ from_line: 2 }));
  let n = 0;
  for await (const _ of parser) n++;
  return n;
}

let dir: string;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ingest-test-"));
  warehouse = await DuckDbWarehouse.open({ path: join(dir, "warehouse.duckdb") });
});
afterAll(async () => {
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the sample data with one file replaced by `content` (plain CSV). */
function dataDirWith(table: string, content: string): string {
  const copy = mkdtempSync(join(dir, "data-"));
  for (const file of readdirSync(SAMPLE_DATA_DIR))
    copyFileSync(join(SAMPLE_DATA_DIR, file), join(copy, file));
  rmSync(join(copy, `${table}.csv.gz`), { force: true });
  writeFileSync(join(copy, `${table}.csv`), content);
  return copy;
}

async function ingestError(dataDir: string): Promise<UserError> {
  const error = await ingest(warehouse, dataDir, silentProgress).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe("ingest into DuckDB", () => {
  it("loads every table with as many rows as its files hold", async () => {
    const loaded = await ingest(warehouse, SAMPLE_DATA_DIR, silentProgress);
    expect(loaded.map((t) => t.table)).toEqual(TABLES.map((t) => t.name));
    for (const table of loaded) {
      let expected = 0;
      for (const file of table.files) expected += await csvRows(file);
      expect(table.rows, table.table).toBe(expected);
      const count = await warehouse.query(`SELECT COUNT(*) FROM ${table.table}`);
      expect(count.rows[0]?.[0]).toBe(expected);
    }
  });

  it("gives every column the type its spec declares", async () => {
    for (const spec of TABLES) {
      const columns = await warehouse.columns(spec.name);
      expect(columns.map((c) => c.name)).toEqual(spec.columns.map(([name]) => name));
      columns.forEach((column, i) => {
        expect(column.type, `${spec.name}.${column.name}`).toBe(DUCKDB_TYPES[spec.columns[i]![1]]);
      });
    }
  });

  it("unions train and test applications, test rows without TARGET", async () => {
    const files = await resolveSourceFiles(SAMPLE_DATA_DIR, tableSpec("applications"));
    const page = await warehouse.query(
      "SELECT COUNT(*) FILTER (WHERE TARGET IS NULL), COUNT(*) FILTER (WHERE TARGET IS NOT NULL) FROM applications",
    );
    expect(page.rows[0]).toEqual([await csvRows(files[1]!.path), await csvRows(files[0]!.path)]);
  });

  it("replaces tables on a re-run instead of appending", async () => {
    const before = await warehouse.query("SELECT COUNT(*) FROM bureau");
    await ingest(warehouse, SAMPLE_DATA_DIR, silentProgress);
    expect(await warehouse.query("SELECT COUNT(*) FROM bureau")).toEqual(before);
  });
});

describe("ingest errors", () => {
  it("names the missing data directory", async () => {
    const error = await ingestError(join(dir, "nowhere"));
    expect(error.message).toContain("data directory not found");
    expect(error.message).toContain("nowhere");
  });

  it("names a table whose file is missing and the names it looked for", async () => {
    const copy = dataDirWith("bureau", "");
    rmSync(join(copy, "bureau.csv"));
    const error = await ingestError(copy);
    expect(error.message).toMatch(/table bureau: no file in .* \(looked for bureau\.csv, bureau\.csv\.gz\)/);
  });

  it("names the file, line and missing column of a bad header", async () => {
    const copy = dataDirWith("bureau", "SK_ID_CURR,SK_ID_BUREAU\n1,2\n");
    const error = await ingestError(copy);
    expect(error.message).toMatch(
      /bureau\.csv: line 1: header lacks columns CREDIT_ACTIVE, .*required by table bureau/,
    );
  });

  it("names the file and line of a value of the wrong type, and keeps the previous table", async () => {
    const before = await warehouse.query("SELECT COUNT(*), SUM(AMT_CREDIT_SUM) FROM bureau");
    const header = tableSpec("bureau")
      .columns.map(([n]) => n)
      .join(",");
    const good = "100001,1,Closed,currency 1,-100,0,10.0,-5.0,,0,1000.0,0.0,0.0,0.0,Consumer credit,-7,";
    const bad = "100001,2,Closed,currency 1,-100,0,10.0,-5.0,,0,lots,0.0,0.0,0.0,Consumer credit,-7,";
    const copy = dataDirWith("bureau", `${header}\n${good}\n${good.replace(",1,", ",3,")}\n${bad}\n`);
    const error = await ingestError(copy);
    expect(error.message).toMatch(/bureau\.csv: line 4: malformed CSV: .*AMT_CREDIT_SUM.*"lots"/);
    expect(await warehouse.query("SELECT COUNT(*), SUM(AMT_CREDIT_SUM) FROM bureau")).toEqual(before);
  });

  it("names the line of an unterminated quote", async () => {
    const header = tableSpec("bureau")
      .columns.map(([n]) => n)
      .join(",");
    const row = "100001,1,Closed,currency 1,-100,0,10.0,-5.0,,0,1000.0,0.0,0.0,0.0,Consumer credit,-7,";
    const copy = dataDirWith("bureau", `${header}\n${row}\n${row.replace("Closed", '"Closed')}\n${row}\n`);
    const error = await ingestError(copy);
    expect(error.message).toMatch(/bureau\.csv: line 3: malformed CSV: .*unterminated quote/);
  });

  it("checks every table before loading any, so a bad late file leaves the warehouse untouched", async () => {
    const before = await warehouse.query("SELECT COUNT(*) FROM applications");
    const copy = dataDirWith("installments_payments.head", "SK_ID_PREV\n1\n");
    await ingestError(copy);
    expect(await warehouse.query("SELECT COUNT(*) FROM applications")).toEqual(before);
  });
});
