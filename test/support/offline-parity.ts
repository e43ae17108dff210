import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { HistoryLookup } from "../../model/offline-scoring/history-lookup.ts";
import { loadScorer } from "../../model/offline-scoring/load-scorer.ts";
import { type ApplicationRow, readApplications } from "../../model/offline-scoring/read-applications.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { runCli } from "./run-cli.ts";
import { copySampleWarehouse } from "./sample-warehouse.ts";
import type { ParityClient, ParityFixture } from "./worker-test-context.ts";

/**
 * The offline side of the Worker parity test, computed at test time: `count` applications from
 * application_train scored by `credit-edge score` (with and without history) over a private copy of the
 * sample warehouse, each client's history vector as the sync would store it, and the Node-side reasons.
 */
export async function buildParityFixture(count: number): Promise<ParityFixture> {
  const home = mkdtempSync(join(tmpdir(), "credit-edge-parity-"));
  try {
    const warehousePath = await copySampleWarehouse(home);
    const env = {
      CREDIT_EDGE_WAREHOUSE: "duckdb",
      CREDIT_EDGE_DUCKDB: warehousePath,
      CREDIT_EDGE_HOME: home,
    };
    const cli = async (...args: string[]) => {
      const result = await runCli(args, env);
      if (result.code !== 0) throw new Error(`credit-edge ${args.join(" ")} failed: ${result.stderr}`);
    };

    const rows = await sampleApplications(join(SAMPLE_DATA_DIR, "application_train.csv.gz"), count);
    const input = join(home, "applications.csv");
    writeFileSync(input, applicationsCsv(rows));
    await cli("score", "--input", input, "--output", join(home, "with-history.csv"));
    await cli("score", "--input", input, "--output", join(home, "without-history.csv"), "--no-history");
    const withHistory = readScores(join(home, "with-history.csv"));
    const withoutHistory = readScores(join(home, "without-history.csv"));

    const scorer = await loadScorer({ explain: true });
    const warehouse = await DuckDbWarehouse.open({ path: warehousePath });
    let histories: Map<number, Float64Array>;
    try {
      histories = await (await HistoryLookup.open(warehouse, scorer.card)).fetch(rows.map((r) => r.clientId));
    } finally {
      await warehouse.close();
    }
    const scores = await scorer.score(
      rows.map((r) => ({ application: r.record, history: histories.get(r.clientId) ?? null })),
      { reasons: true },
    );
    const clients: ParityClient[] = rows.map((r, i) => {
      const history = histories.get(r.clientId);
      if (!history) throw new Error(`client ${r.clientId} has no history row in the warehouse`);
      return {
        clientId: r.clientId,
        application: withoutMissing(r.record),
        history: Buffer.from(Float32Array.from(history).buffer).toString("base64"),
        probability: withHistory.get(r.clientId)!,
        probabilityWithoutHistory: withoutHistory.get(r.clientId)!,
        reasons: scores[i]!.reasons!,
      };
    });
    return { modelVersion: scorer.card.version, schemaHash: scorer.card.feature_schema_hash, clients };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** `count` rows spread evenly over the file's first batch, in file order. */
async function sampleApplications(path: string, count: number): Promise<ApplicationRow[]> {
  for await (const batch of readApplications(path)) {
    const step = batch.length / count;
    return Array.from({ length: count }, (_, i) => batch[Math.floor(i * step)]!);
  }
  throw new Error(`${path} is empty`);
}

function withoutMissing(record: ApplicationRecord): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(record)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function csvCell(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function applicationsCsv(rows: readonly ApplicationRow[]): string {
  const columns = APPLICATION_COLUMNS.map((c) => c.name);
  const lines = [["SK_ID_CURR", ...columns].join(",")];
  for (const r of rows) lines.push([r.clientId, ...columns.map((c) => r.record[c])].map(csvCell).join(","));
  return `${lines.join("\n")}\n`;
}

function readScores(path: string): Map<number, number> {
  const scores = new Map<number, number>();
  for (const line of readFileSync(path, "utf8").trim().split("\n").slice(1)) {
    const [id, probability] = line.split(",");
    scores.set(Number(id), Number(probability));
  }
  return scores;
}
