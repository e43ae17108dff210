import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { silentProgress } from "../../lib/progress.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import { BigQueryWarehouse } from "../../warehouse/bigquery/bigquery-warehouse.ts";
import { buildFeatures } from "../../warehouse/build-features.ts";
import { clientSnapshotSql, SNAPSHOT_HISTORY_OFFSET } from "../../warehouse/client-snapshot.ts";
import { ingest } from "../../warehouse/ingest.ts";
import { type BigQueryEmulator, startBigQueryEmulator } from "../support/bigquery-emulator/server.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { type StoredRow, storedClient, storedHistory } from "../support/sync/stored-rows.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { runCliToEnd } from "../support/sync/sync-process.ts";

// The BigQuery source: the real @google-cloud/bigquery client (in the CLI, a child process) against the
// local REST emulator, which answers INT64 as strings and NULLs as JSON nulls, in pages. The warehouse is
// built there from the sample by ingest + features, like the DuckDB one the same D1 also receives.

const PROJECT = "credit-edge-sync-test";
const DATASET = "warehouse";
const PAGE_SIZE = 700;

let f: SyncFixture;
let emulator: BigQueryEmulator;
let bigquery: BigQueryWarehouse;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
const requests: string[] = [];
let fromBigQuery: SyncReport;
let fromDuckDb: SyncReport;
let historyNames: string[];

async function vectors(version: number): Promise<Map<number, StoredRow>> {
  const rows = await reader.db
    .prepare("SELECT * FROM client_vectors WHERE feature_set_id = ?")
    .bind(version)
    .all<StoredRow>();
  return new Map(rows.results.map((r: StoredRow) => [r.client_id, r]));
}

beforeAll(async () => {
  f = await syncFixture("sync-bigquery");
  emulator = await startBigQueryEmulator({ onRequest: (line) => requests.push(line) });
  bigquery = await BigQueryWarehouse.open({
    projectId: PROJECT,
    dataset: DATASET,
    apiEndpoint: emulator.url,
  });
  await ingest(bigquery, SAMPLE_DATA_DIR, silentProgress);
  const build = await buildFeatures(bigquery, silentProgress);
  historyNames = build.registry.features.filter((x) => x.group === "history").map((x) => x.name);
  reader = await openD1Reader(f.state);
});

afterAll(async () => {
  await reader?.close();
  await bigquery?.close();
  await emulator?.close();
  f?.cleanup();
});

describe("credit-edge sync --source bigquery", () => {
  it("reads the snapshot page by page through the real client and activates a verified version", async () => {
    const before = requests.length;
    const run = await runCliToEnd(
      ["sync", "--source", "bigquery", "--json", "--page-size", String(PAGE_SIZE), "--persist-to", f.state],
      {
        ...f.env,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        BIGQUERY_DATASET: DATASET,
        BIGQUERY_API_ENDPOINT: emulator.url,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    fromBigQuery = JSON.parse(run.stdout) as SyncReport;
    const counted = await bigquery.query(
      "SELECT COUNT(*) FROM applications JOIN client_features USING (SK_ID_CURR)",
    );
    expect(fromBigQuery).toMatchObject({ outcome: "activated", rows: Number(counted.rows[0]?.[0]) });
    expect(fromBigQuery.source).toBe(`bigquery:${PROJECT}.${DATASET}`);
    // One getQueryResults call per page, each asking for at most the page size.
    const pages = requests
      .slice(before)
      .filter(
        (r) => r.startsWith(`GET /bigquery/v2/projects/${PROJECT}/queries/`) && r.includes("pageToken="),
      );
    expect(pages.length).toBe(Math.ceil(fromBigQuery.rows / PAGE_SIZE) - 1);
    expect(pages.every((r) => r.includes(`maxResults=${PAGE_SIZE}`))).toBe(true);
  });

  it("stores what BigQuery holds: INT64 parsed from strings, FLOAT64, STRING, NULL as missing", async () => {
    const sample = await bigquery.query(clientSnapshotSql(historyNames, "WHERE MOD(a.SK_ID_CURR, 211) = 3"));
    expect(sample.rows.length).toBeGreaterThan(20);
    const stored = await vectors(fromBigQuery.version!);
    const types = await bigquery.columns("client_features");
    const kind = new Map(types.map((c) => [c.name.toLowerCase(), c.type]));
    const seen = { int: 0, float: 0, missing: 0, text: 0 };
    for (const row of sample.rows) {
      const vector = stored.get(Number(row[0]));
      expect(vector, `client ${row[0]}`).toBeDefined();
      const history = storedHistory(vector!, historyNames.length);
      historyNames.forEach((name, h) => {
        const value = row[SNAPSHOT_HISTORY_OFFSET + h];
        if (value === null) {
          seen.missing++;
          expect(history[h]).toBeNaN();
          return;
        }
        expect(typeof value).toBe("number");
        if (kind.get(name) === "INT64") seen.int++;
        else seen.float++;
        expect(history[h], `${row[0]} ${name}`).toBe(Math.fround(value as number));
      });
      const { application } = storedClient(vector!, historyNames.length);
      seen.text += Object.values(application).filter((v) => typeof v === "string").length;
      expect(Object.values(application)).not.toContain(null);
    }
    expect(Object.values(seen).every((n) => n > 0)).toBe(true);
  });

  it("agrees with the same sample synced from DuckDB: same clients, same application, same features", async () => {
    const run = await runCliToEnd(f.args("sync", "--json"), f.env);
    expect(run.code, run.stderr).toBe(0);
    fromDuckDb = JSON.parse(run.stdout) as SyncReport;
    expect(fromDuckDb.rows).toBe(fromBigQuery.rows);
    const a = await vectors(fromBigQuery.version!);
    const b = await vectors(fromDuckDb.version!);
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    let identical = 0;
    const differences: string[] = [];
    for (const [id, left] of a) {
      const right = b.get(id)!;
      const leftClient = storedClient(left, historyNames.length);
      const rightClient = storedClient(right, historyNames.length);
      if (JSON.stringify(leftClient.application) !== JSON.stringify(rightClient.application))
        differences.push(`${id}: application`);
      const x = leftClient.history;
      const y = rightClient.history;
      // Each warehouse sums in its own order: aggregates may differ in their last float32 bits.
      for (let h = 0; h < x.length; h++) {
        const same = Number.isNaN(y[h]!)
          ? Number.isNaN(x[h]!)
          : Math.abs(x[h]! - y[h]!) <= 1e-5 * Math.max(1, Math.abs(y[h]!));
        if (!same) differences.push(`${id} ${historyNames[h]}: ${x[h]} vs ${y[h]}`);
      }
      if (left.hash_hi === right.hash_hi && left.hash_lo === right.hash_lo) identical++;
    }
    expect(differences.slice(0, 10)).toEqual([]);
    // Rows equal to the byte have equal hashes: most clients, whichever warehouse wrote them.
    expect(identical).toBeGreaterThan(a.size * 0.9);
  });
});
