import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { appendDecisions, decisionRow, ensureTables } from "../../decisions/pull/tables.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { sampleRecords } from "../../test/support/decisions/sample-records.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";

/**
 * `monitor` on `rows` synthetic decisions: every sample client's real record (the committed model's input
 * vector, probability, reasons) copied with fresh request ids over 30 days until there are `rows`, in a
 * DuckDB warehouse; then `credit-edge monitor` in its own process under /usr/bin/time (wall, peak RSS).
 */
export async function benchMonitor(rows: number, home: string) {
  const path = join(home, "monitor.duckdb");
  console.log(`monitor: building ${rows.toLocaleString("en-US")} synthetic decisions ...`);
  const records = await sampleRecords({ count: 10_000 });
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await ensureTables(warehouse);
    const at = new Date().toISOString();
    await appendDecisions(
      warehouse,
      records.map((r) => decisionRow(r, "bench", at)),
    );
    const copies = Math.ceil(rows / records.length);
    await warehouse.query("CREATE TABLE template AS SELECT * FROM decisions");
    await warehouse.query("DELETE FROM decisions");
    await warehouse.query(
      `INSERT INTO decisions SELECT * EXCLUDE (k) REPLACE (request_id || '-' || CAST(k AS VARCHAR) AS request_id, '2026-11-' || lpad(CAST(1 + (k % 30) AS VARCHAR), 2, '0') || SUBSTR(decided_at, 11) AS decided_at) FROM template CROSS JOIN range(${copies}) AS t(k) LIMIT ${rows}`,
    );
    await warehouse.query("DROP TABLE template");
    const n = Number((await warehouse.query("SELECT COUNT(*) FROM decisions")).rows[0]![0]);
    console.log(`  ${n.toLocaleString("en-US")} decisions in ${path}`);
  } finally {
    await warehouse.close();
  }
  const started = performance.now();
  const run = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "%e %M",
      process.execPath,
      join(PROJECT_ROOT, "bin", "credit-edge.mjs"),
      "monitor",
      "--out",
      join(home, "monitor-out"),
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CREDIT_EDGE_DUCKDB: path, CREDIT_EDGE_HOME: home, CREDIT_EDGE_PROGRESS: "none" },
      encoding: "utf8",
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0 && run.status !== 3) throw new Error(`monitor failed (${run.status}): ${run.stderr}`);
  const [, rss] = run.stderr.trim().split("\n").at(-1)!.split(" ");
  const peak = Math.round(Number(rss) / 1024);
  console.log(`  ${run.stdout.trim().split("\n").join("\n  ")}`);
  console.log(`  monitor: ${seconds.toFixed(1)} s wall, peak RSS ${peak} MiB (exit ${run.status})`);
  return { rows, seconds, peak_rss_mib: peak, exit_code: run.status };
}
