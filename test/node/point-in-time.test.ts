import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { silentProgress } from "../../lib/progress.ts";
import { buildFeatures } from "../../warehouse/build-features.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { CLIENT_FEATURES_TABLE, featureSqlFiles } from "../../warehouse/feature-sql.ts";
import type { Value } from "../../warehouse/warehouse.ts";
import { copySampleWarehouse } from "../support/sample-warehouse.ts";

// Point in time: every history table is read through one rule, written down in warehouse/sql/README.md,
// that keeps only records dated before the application. Checked statically (each file holds its rule as
// written and reads its table only through it) and on data: rows dated on or after the application change
// no feature, while the same rows dated the day (month) before do.

const HISTORY_TABLES = [
  "bureau",
  "bureau_balance",
  "previous_application",
  "POS_CASH_balance",
  "credit_card_balance",
  "installments_payments",
] as const;

/** The README's rule table: `| \`table\` | \`rule\` | ... |`. */
function documentedRules(): Map<string, string> {
  const readme = readFileSync(join(PROJECT_ROOT, "warehouse", "sql", "README.md"), "utf8");
  const section = readme.split("## Point in time")[1]?.split("\n## ")[0] ?? "";
  const rules = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([A-Za-z_]+)` \| `([^`]+)` \|/gm)) rules.set(m[1]!, m[2]!);
  return rules;
}

describe("the point-in-time rules", () => {
  it("are written down once per history table", () => {
    expect([...documentedRules().keys()].sort()).toEqual([...HISTORY_TABLES].sort());
  });

  it("are what the SQL applies: each raw table is read once, through its rule", () => {
    const rules = documentedRules();
    const readers = new Map<string, number>();
    for (const file of featureSqlFiles()) {
      for (const table of HISTORY_TABLES) {
        const reads = [...file.sql.matchAll(new RegExp(`\\b(?:FROM|JOIN)\\s+${table}\\b`, "g"))];
        if (reads.length === 0) continue;
        readers.set(table, (readers.get(table) ?? 0) + 1);
        expect(reads, `${file.table} reads ${table}`).toHaveLength(1);
        expect(file.sql, file.table).toContain(`SELECT * FROM ${table} WHERE ${rules.get(table)}\n`);
      }
    }
    for (const table of HISTORY_TABLES) expect(readers.get(table), table).toBe(1);
  });
});

let dir: string;
let warehouse: DuckDbWarehouse;
/** A client with bureau history, and a client without any history. */
let known: number;
let newcomer: number;
let bureauCredit: number;
let before: Map<number, readonly Value[]>;

async function featureRows(): Promise<Map<number, readonly Value[]>> {
  const page = await warehouse.query(
    `SELECT * FROM ${CLIENT_FEATURES_TABLE} WHERE SK_ID_CURR IN (${known}, ${newcomer}) ORDER BY SK_ID_CURR`,
  );
  return new Map(page.rows.map((row) => [Number(row[0]), row]));
}

async function columnsOf(): Promise<string[]> {
  return (await warehouse.columns(CLIENT_FEATURES_TABLE)).map((c) => c.name);
}

/**
 * Records for both clients in every history table, dated `day` (days) or `month` (months) relative to the
 * application: extreme values, so any that counted would move its table's features.
 */
async function addRecords(day: number, month: number, tag: number): Promise<void> {
  for (const [client, offset] of [
    [known, 0],
    [newcomer, 1],
  ] as const) {
    const bureau = 90_000_000 + tag * 10 + offset;
    const previous = 80_000_000 + tag * 10 + offset;
    // Opened well before, last updated at `day`; and one opened at `day` (updated the day before it).
    await warehouse.query(
      `INSERT INTO bureau (SK_ID_CURR, SK_ID_BUREAU, CREDIT_ACTIVE, CREDIT_CURRENCY, DAYS_CREDIT, CREDIT_DAY_OVERDUE, DAYS_CREDIT_ENDDATE, AMT_CREDIT_SUM, AMT_CREDIT_SUM_DEBT, AMT_CREDIT_SUM_OVERDUE, CREDIT_TYPE, DAYS_CREDIT_UPDATE)
       VALUES (${client}, ${bureau}, 'Active', 'currency 1', -400, 900, 300, 9e7, 9e7, 5e6, 'Microloan', ${day}),
              (${client}, ${bureau + 5}, 'Active', 'currency 1', ${day}, 0, 300, 7e7, 7e7, 0, 'Car loan', ${day - 1})`,
    );
    await warehouse.query(
      `INSERT INTO bureau_balance (SK_ID_BUREAU, MONTHS_BALANCE, STATUS) VALUES (${bureauCredit}, ${month}, '5'), (${bureauCredit}, ${month + 1}, '5')`,
    );
    await warehouse.query(
      `INSERT INTO previous_application (SK_ID_PREV, SK_ID_CURR, NAME_CONTRACT_TYPE, AMT_ANNUITY, AMT_APPLICATION, AMT_CREDIT, NAME_CONTRACT_STATUS, DAYS_DECISION, CNT_PAYMENT)
       VALUES (${previous}, ${client}, 'Cash loans', 9e5, 9e7, 9e7, 'Refused', ${day}, 60)`,
    );
    await warehouse.query(
      `INSERT INTO POS_CASH_balance (SK_ID_PREV, SK_ID_CURR, MONTHS_BALANCE, CNT_INSTALMENT, CNT_INSTALMENT_FUTURE, NAME_CONTRACT_STATUS, SK_DPD, SK_DPD_DEF)
       VALUES (${previous}, ${client}, ${month}, 60, 59, 'Active', 900, 900)`,
    );
    await warehouse.query(
      `INSERT INTO credit_card_balance (SK_ID_PREV, SK_ID_CURR, MONTHS_BALANCE, AMT_BALANCE, AMT_CREDIT_LIMIT_ACTUAL, AMT_DRAWINGS_CURRENT, AMT_INST_MIN_REGULARITY, AMT_PAYMENT_TOTAL_CURRENT, SK_DPD, SK_DPD_DEF)
       VALUES (${previous}, ${client}, ${month}, 9e7, 1000, 9e6, 5000, 0, 900, 900)`,
    );
    // A late payment made at `day`, and an instalment due at `day` with no payment recorded.
    await warehouse.query(
      `INSERT INTO installments_payments (SK_ID_PREV, SK_ID_CURR, NUM_INSTALMENT_VERSION, NUM_INSTALMENT_NUMBER, DAYS_INSTALMENT, DAYS_ENTRY_PAYMENT, AMT_INSTALMENT, AMT_PAYMENT)
       VALUES (${previous}, ${client}, 1, 1, ${day - 300}, ${day}, 9e6, 1),
              (${previous}, ${client}, 1, 2, ${day}, NULL, 9e6, NULL)`,
    );
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "point-in-time-"));
  warehouse = await DuckDbWarehouse.open({ path: await copySampleWarehouse(dir) });
  const withHistory = await warehouse.query(
    "SELECT SK_ID_CURR, MIN(SK_ID_BUREAU) FROM bureau WHERE DAYS_CREDIT < 0 AND DAYS_CREDIT_UPDATE < 0 GROUP BY SK_ID_CURR ORDER BY SK_ID_CURR LIMIT 1",
  );
  known = Number(withHistory.rows[0]![0]);
  bureauCredit = Number(withHistory.rows[0]![1]);
  const without = await warehouse.query(
    `SELECT SK_ID_CURR FROM ${CLIENT_FEATURES_TABLE} WHERE hist_sources = 0 ORDER BY SK_ID_CURR LIMIT 1`,
  );
  newcomer = Number(without.rows[0]![0]);
  before = await featureRows();
}, 300_000);

afterAll(async () => {
  await warehouse?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("records dated on or after the application", () => {
  it("change no feature, and leave a client with only such records without history", async () => {
    await addRecords(0, 0, 1);
    await addRecords(7, 3, 2);
    await buildFeatures(warehouse, silentProgress);
    const after = await featureRows();
    expect(after.get(known)).toEqual(before.get(known));
    expect(after.get(newcomer)).toEqual(before.get(newcomer));
    const columns = await columnsOf();
    expect(after.get(newcomer)![columns.indexOf("hist_sources")]).toBe(0);
  }, 300_000);

  it("while the same records dated just before it do count, in every table", async () => {
    await addRecords(-1, -1, 3);
    await buildFeatures(warehouse, silentProgress);
    const after = await featureRows();
    const columns = await columnsOf();
    const changed = (client: number) =>
      columns.filter((_, i) => i > 0 && after.get(client)![i] !== before.get(client)![i]);
    // Each table's features move for the known client (bureau_balance through its existing credit) ...
    for (const prefix of ["bureau_", "bb_", "prev_", "pos_", "cc_", "inst_"])
      expect(
        changed(known).some((c) => c.startsWith(prefix)),
        prefix,
      ).toBe(true);
    // ... and the newcomer now has history in the five tables it got records in.
    expect(after.get(newcomer)![columns.indexOf("hist_sources")]).toBe(5);
  }, 300_000);
});
