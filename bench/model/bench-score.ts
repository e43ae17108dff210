/**
 * Offline scoring throughput: `credit-edge score` on 50,000 applications (the sample's test rows repeated
 * with fresh ids; history found in the warehouse for the originals' ids only), median of 3 runs.
 *
 *   npm run bench:score [-- --rows 50000 --runs 3]
 */

import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { Command } from "commander";
import { parse } from "csv-parse";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { runCli } from "../../test/support/run-cli.ts";
import { median, secs } from "../measure.ts";

const { rows, runs } = new Command("bench-score")
  .option("--rows <n>", "input rows", (v) => Number.parseInt(v, 10), 50_000)
  .option("--runs <n>", "repetitions", (v) => Number.parseInt(v, 10), 3)
  .parse()
  .opts<{ rows: number; runs: number }>();

const dir = mkdtempSync(join(tmpdir(), "bench-score-"));
const input = join(dir, "applications.csv");
const records: string[][] = [];
for await (const record of createReadStream(join(SAMPLE_DATA_DIR, "application_test.csv.gz"))
  .pipe(createGunzip())
  .pipe(parse())) {
  records.push(record as string[]);
}
const [header, ...body] = records;
const out = createWriteStream(input);
const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
out.write(`${header!.join(",")}\n`);
for (let i = 0; i < rows; i++) {
  const row = [...body[i % body.length]!];
  if (i >= body.length) row[0] = String(900_000 + i); // fresh ids beyond the originals: new applicants
  if (!out.write(`${row.map(quote).join(",")}\n`)) await once(out, "drain");
}
out.end();
await once(out, "finish");

const times: number[] = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const result = await runCli(["score", "--input", input, "--output", join(dir, "scores.csv")]);
  if (result.code !== 0) throw new Error(result.stderr);
  times.push(performance.now() - started);
  console.log(
    `run ${run + 1}: ${secs(times.at(-1)!)} (${Math.round(rows / (times.at(-1)! / 1000)).toLocaleString("en-US")} rows/s, process start included); the command says: ${result.stdout.trim().split("\n").at(-1)}`,
  );
}
const m = median(times);
console.log(
  `median: ${secs(m)} for ${rows.toLocaleString("en-US")} rows = ${Math.round(rows / (m / 1000)).toLocaleString("en-US")} rows/s`,
);
rmSync(dir, { recursive: true, force: true });
