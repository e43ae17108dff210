/**
 * Writes a synthetic Home Credit dataset of full Kaggle size by resampling the shipped sample with fresh
 * ids: each new client copies a randomly drawn sample client (train clients for the train file, test
 * clients for the test file) with all its history rows, SK_ID_BUREAU / SK_ID_PREV renumbered. Related
 * tables are thinned or expanded so their row counts land near Kaggle's. Plain CSV, Kaggle's layout,
 * so `credit-edge ingest --data-dir` reads it like the real thing. Deterministic for a seed.
 *
 *   npm run synth -- --out .credit-edge/synthetic [--scale 1] [--seed 1]
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Command, InvalidArgumentError } from "commander";
import { SAMPLE_DATA_DIR, stateDir } from "../../lib/paths.ts";
import { resolveSourceFiles } from "../../warehouse/source-files.ts";
import { TABLES, tableSpec } from "../../warehouse/tables.ts";

/** Row counts of the full Kaggle data (train + test applications). */
export const KAGGLE_ROWS = {
  application_train: 307_511,
  application_test: 48_744,
  bureau_balance: 27_299_925,
  installments_payments: 13_605_401,
} as const;

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function main(): Promise<void> {
  const program = new Command("generate-synthetic")
    .option("--out <dir>", "output folder", join(stateDir(), "synthetic"))
    .option(
      "--scale <x>",
      "fraction of full size",
      (v) => {
        const n = Number(v);
        if (!(n > 0 && n <= 4)) throw new InvalidArgumentError("a number in (0, 4]");
        return n;
      },
      1,
    )
    .option("--seed <n>", "random seed", (v) => Number.parseInt(v, 10), 1)
    .parse();
  const { out, scale, seed } = program.opts<{ out: string; scale: number; seed: number }>();
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const db = await DuckDBInstance.create(":memory:", {
    memory_limit: "6GB",
    threads: "2",
    preserve_insertion_order: "false",
  });
  const c = await db.connect();
  const step = async (label: string, sql: string) => {
    const t = performance.now();
    await c.run(sql);
    console.log(`${label.padEnd(40)} ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };

  // The sample, loaded with the product's own table specs and file resolution.
  for (const spec of TABLES) {
    const files = await resolveSourceFiles(SAMPLE_DATA_DIR, spec);
    const selects = files.map((f) => {
      const missing = new Set(f.missingOptional);
      const cols = spec.columns.map(([n]) => (missing.has(n) ? `NULL AS ${n}` : n)).join(", ");
      return `SELECT ${cols} FROM read_csv(${q(f.path)}, header = true, sample_size = -1)`;
    });
    await c.run(`CREATE TABLE s_${spec.name} AS ${selects.join(" UNION ALL ")}`);
  }

  const trainN = Math.round(KAGGLE_ROWS.application_train * scale);
  const testN = Math.round(KAGGLE_ROWS.application_test * scale);
  // Hash-based draws: deterministic for (seed, row) and independent of thread scheduling.
  await step(
    "draw clients",
    `CREATE TABLE client_map AS
     WITH train AS (SELECT SK_ID_CURR, row_number() OVER (ORDER BY SK_ID_CURR) - 1 AS k FROM s_applications WHERE TARGET IS NOT NULL),
          test AS (SELECT SK_ID_CURR, row_number() OVER (ORDER BY SK_ID_CURR) - 1 AS k FROM s_applications WHERE TARGET IS NULL),
          train_draws AS (SELECT i, hash(i, ${seed}) % (SELECT count(*) FROM train) AS k FROM range(${trainN}) r(i)),
          test_draws AS (SELECT i, hash(i, ${seed + 1}) % (SELECT count(*) FROM test) AS k FROM range(${testN}) r(i))
     SELECT 1000000 + d.i AS new_id, t.SK_ID_CURR AS src_id, true AS is_train FROM train_draws d JOIN train t USING (k)
     UNION ALL
     SELECT 1000000 + ${trainN} + d.i, t.SK_ID_CURR, false FROM test_draws d JOIN test t USING (k)`,
  );
  const cols = (table: string, replace: Record<string, string>) =>
    tableSpec(table)
      .columns.map(([n]) => (replace[n] ? `${replace[n]} AS ${n}` : `t.${n}`))
      .join(", ");
  const copy = (file: string, sql: string) =>
    step(`write ${file}`, `COPY (${sql}) TO ${q(join(dir, file))} (HEADER, DELIMITER ',')`);

  const appCols = cols("applications", { SK_ID_CURR: "m.new_id" });
  await copy(
    "application_train.csv",
    `SELECT ${appCols} FROM client_map m JOIN s_applications t ON t.SK_ID_CURR = m.src_id WHERE m.is_train ORDER BY m.new_id`,
  );
  await copy(
    "application_test.csv",
    `SELECT ${appCols.replace("t.TARGET, ", "")} FROM client_map m JOIN s_applications t ON t.SK_ID_CURR = m.src_id WHERE NOT m.is_train ORDER BY m.new_id`,
  );

  // Fresh credit ids: one per (new client, source credit).
  await step(
    "renumber bureau credits",
    `CREATE TABLE bureau_map AS SELECT m.new_id, b.SK_ID_BUREAU AS src_bureau, 50000000 + row_number() OVER () AS new_bureau
     FROM client_map m JOIN s_bureau b ON b.SK_ID_CURR = m.src_id`,
  );
  await copy(
    "bureau.csv",
    `SELECT ${cols("bureau", { SK_ID_CURR: "bm.new_id", SK_ID_BUREAU: "bm.new_bureau" })} FROM bureau_map bm JOIN s_bureau t ON t.SK_ID_BUREAU = bm.src_bureau`,
  );
  // The sample keeps balances for more credits than Kaggle does: thin per credit to Kaggle's row count.
  const balanceRows = Number(
    (
      await c.runAndReadAll(
        "SELECT count(*) FROM bureau_map bm JOIN s_bureau_balance t ON t.SK_ID_BUREAU = bm.src_bureau",
      )
    ).getRows()[0]![0],
  );
  const keep = Math.min(1, (KAGGLE_ROWS.bureau_balance * scale) / balanceRows);
  await copy(
    "bureau_balance.csv",
    `SELECT bm.new_bureau AS SK_ID_BUREAU, t.MONTHS_BALANCE, t.STATUS FROM bureau_map bm JOIN s_bureau_balance t ON t.SK_ID_BUREAU = bm.src_bureau
     WHERE (hash(bm.new_bureau, ${seed}) % 1000000) < ${Math.round(keep * 1_000_000)}`,
  );

  await step(
    "renumber previous credits",
    `CREATE TABLE prev_map AS SELECT m.new_id, p.SK_ID_PREV AS src_prev, 60000000 + row_number() OVER () AS new_prev
     FROM client_map m JOIN s_previous_application p ON p.SK_ID_CURR = m.src_id`,
  );
  const prevIds = { SK_ID_CURR: "pm.new_id", SK_ID_PREV: "pm.new_prev" };
  await copy(
    "previous_application.csv",
    `SELECT ${cols("previous_application", prevIds)} FROM prev_map pm JOIN s_previous_application t ON t.SK_ID_PREV = pm.src_prev`,
  );
  // POS and card balances follow their previous credit; credits missing from previous_application keep
  // their own fresh ids through a per-client map.
  for (const table of ["POS_CASH_balance", "credit_card_balance"]) {
    await step(
      `map ${table} credits`,
      `CREATE TABLE ${table}_map AS SELECT m.new_id, m.src_id, x.SK_ID_PREV AS src_prev, coalesce(pm.new_prev, 70000000 + row_number() OVER ()) AS new_prev
       FROM client_map m JOIN (SELECT DISTINCT SK_ID_CURR, SK_ID_PREV FROM s_${table}) x ON x.SK_ID_CURR = m.src_id
       LEFT JOIN prev_map pm ON pm.new_id = m.new_id AND pm.src_prev = x.SK_ID_PREV`,
    );
    await copy(
      `${table}.csv`,
      `SELECT ${cols(table, { SK_ID_CURR: "xm.new_id", SK_ID_PREV: "xm.new_prev" })} FROM ${table}_map xm JOIN s_${table} t ON t.SK_ID_PREV = xm.src_prev AND t.SK_ID_CURR = xm.src_id`,
    );
  }

  // The sample holds only a 200-row head of installments: expand it over the new previous credits
  // (about 8 instalments each) by cycling through the head's rows.
  const prevCount = Number((await c.runAndReadAll("SELECT count(*) FROM prev_map")).getRows()[0]![0]);
  const perPrev = Math.max(1, Math.ceil((KAGGLE_ROWS.installments_payments * scale) / prevCount));
  const keepInst = (KAGGLE_ROWS.installments_payments * scale) / (prevCount * perPrev);
  await c.run("CREATE TABLE s_inst AS SELECT *, row_number() OVER () - 1 AS k FROM s_installments_payments");
  const head = Number((await c.runAndReadAll("SELECT count(*) FROM s_inst")).getRows()[0]![0]);
  await copy(
    "installments_payments.csv",
    `SELECT ${cols("installments_payments", { SK_ID_CURR: "pm.new_id", SK_ID_PREV: "pm.new_prev", NUM_INSTALMENT_NUMBER: "n + 1" })}
     FROM prev_map pm, range(${perPrev}) r(n) JOIN s_inst t ON t.k = (hash(pm.new_prev, n, ${seed}) % ${head})
     WHERE (hash(pm.new_prev, n, ${seed + 1}) % 1000000) < ${Math.round(keepInst * 1_000_000)}`,
  );

  const counts = [];
  for (const file of [
    "application_train",
    "application_test",
    "bureau",
    "bureau_balance",
    "previous_application",
    "POS_CASH_balance",
    "credit_card_balance",
    "installments_payments",
  ]) {
    const n = (
      await c.runAndReadAll(`SELECT count(*) FROM read_csv(${q(join(dir, `${file}.csv`))}, header = true)`)
    ).getRows()[0]![0];
    counts.push(`${file}: ${Number(n).toLocaleString("en-US")}`);
  }
  console.log(counts.join("\n"));
  console.log(`wrote ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  c.closeSync();
  db.closeSync();
}

await main();
