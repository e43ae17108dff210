import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ndjsonObjects } from "../../decisions/record/ndjson-objects.ts";
import type { DecisionRecord } from "../../decisions/record/schema.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { type BigQueryEmulator, startBigQueryEmulator } from "../support/bigquery-emulator/server.ts";
import { sampleRecords } from "../support/decisions/sample-records.ts";
import { type R2S3Server, startR2S3Server } from "../support/r2-s3-server/server.ts";
import { runCli } from "../support/run-cli.ts";

// `decisions pull --source remote`: the real S3 client against a loopback server speaking R2's S3 API
// (signatures checked, 1,000-key pages made small here), into DuckDB and into BigQuery (the emulator).

const credentials = { accessKeyId: "test-access-key", secretAccessKey: "test-secret-key" };
let s3: R2S3Server;
let records: DecisionRecord[];
let home: string;
let objects: { key: string; count: number }[];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "credit-edge-pull-"));
  s3 = await startR2S3Server({ ...credentials, pageKeys: 3 });
  records = await sampleRecords({ count: 60, perRequest: 4 });
  // Batches of 7 as the consumer writes them (an object per day), then four records delivered again in
  // other batches (3 with 31, 12 with 40: same days, so new objects holding records already stored).
  const made = new Map<string, { key: string; body: string; count: number }>();
  const add = async (lines: DecisionRecord[]) => {
    for (const o of await ndjsonObjects(lines)) made.set(o.key, o);
  };
  for (let i = 0; i < records.length; i += 7) await add(records.slice(i, i + 7));
  await add([records[3]!, records[31]!, records[12]!, records[40]!]);
  for (const o of made.values()) s3.put(o.key, o.body);
  objects = [...made.values()];
});

afterAll(async () => {
  await s3?.close();
  rmSync(home, { recursive: true, force: true });
});

const remoteEnv = (extra: Record<string, string> = {}) => ({
  CREDIT_EDGE_HOME: home,
  CREDIT_EDGE_DUCKDB: join(home, "warehouse.duckdb"),
  R2_S3_ENDPOINT: s3.endpoint,
  R2_ACCESS_KEY_ID: credentials.accessKeyId,
  R2_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  ...extra,
});

const pull = (env: Record<string, string>, ...args: string[]) =>
  runCli(["decisions", "pull", "--source", "remote", "--json", ...args], env);

describe("decisions pull --source remote", () => {
  it("lists page by page, loads every record once, and skips loaded objects next time", async () => {
    const first = await pull(remoteEnv());
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      pulled: records.length,
      duplicates: 4,
      objects: objects.length,
      invalid: [],
    });
    expect(
      s3.requests.filter((r) => /^\/credit-edge-decisions\/?$/.test(r.path) && r.status === 200).length,
    ).toBeGreaterThan(3);
    const warehouse = await DuckDbWarehouse.open({ path: join(home, "warehouse.duckdb") });
    try {
      const rows = await warehouse.query(
        "SELECT COUNT(*), COUNT(DISTINCT request_id || ':' || item), SUM(CASE WHEN has_history THEN 1 ELSE 0 END) FROM decisions",
      );
      expect(rows.rows[0]!.map(Number)).toEqual([
        records.length,
        records.length,
        records.filter((r) => r.has_history).length,
      ]);
      const one = await warehouse.query(
        `SELECT probability, decision, input_vector, reason_codes FROM decisions WHERE request_id = '${records[5]!.request_id}' AND item = ${records[5]!.item}`,
      );
      expect(one.rows[0]).toEqual([
        records[5]!.probability,
        records[5]!.decision,
        records[5]!.input_vector,
        JSON.stringify(records[5]!.reason_codes),
      ]);
    } finally {
      await warehouse.close();
    }
    const again = await pull(remoteEnv());
    expect(JSON.parse(again.stdout)).toMatchObject({
      pulled: 0,
      objects: 0,
      objects_already_loaded: objects.length,
    });
  });

  it("reports lines that are no records, by object and line, and keeps their object unloaded", async () => {
    const extra = records[10]!;
    s3.put(
      "decisions/dt=2026-11-30/broken.ndjson",
      `${JSON.stringify({ ...extra, request_id: "req-new", item: 0 })}\n{"record_type":"decision"}\n`,
    );
    const run = await pull(remoteEnv());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/decisions\/dt=2026-11-30\/broken\.ndjson line 2: /);
    expect(JSON.parse(run.stdout)).toMatchObject({ pulled: 1, objects: 1 });
    const rerun = await pull(remoteEnv());
    expect(JSON.parse(rerun.stdout)).toMatchObject({ pulled: 0, objects: 1, duplicates: 1 });
  });

  it("names what is missing, and R2's refusal of a wrong secret", async () => {
    const none = await runCli(["decisions", "pull", "--source", "remote"], {
      CREDIT_EDGE_HOME: home,
      R2_S3_ENDPOINT: "",
      R2_ACCESS_KEY_ID: "",
      R2_SECRET_ACCESS_KEY: "",
      CLOUDFLARE_ACCOUNT_ID: "",
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs CLOUDFLARE_ACCOUNT_ID, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY/);
    const wrong = await pull(remoteEnv({ R2_SECRET_ACCESS_KEY: "not-the-secret" }));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/R2 \(S3 API\): listing decisions\/ .*HTTP 403/);
  });
});

describe("decisions pull --warehouse bigquery", () => {
  let emulator: BigQueryEmulator;
  beforeAll(async () => {
    emulator = await startBigQueryEmulator({});
  });
  afterAll(async () => emulator?.close());

  it("loads the same records into BigQuery's decisions table without duplicates", async () => {
    const env = remoteEnv({
      GOOGLE_CLOUD_PROJECT: "credit-edge-test",
      BIGQUERY_DATASET: "decisions_test",
      BIGQUERY_API_ENDPOINT: emulator.url,
    });
    const first = await pull(env, "--warehouse", "bigquery");
    expect(first.code).toBe(1); // the broken object from above is still there
    expect(JSON.parse(first.stdout)).toMatchObject({ pulled: records.length + 1, duplicates: 4 });
    const second = await pull(env, "--warehouse", "bigquery");
    expect(JSON.parse(second.stdout)).toMatchObject({ pulled: 0 });
  });
});
