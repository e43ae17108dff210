import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import type { MonitorReport } from "../../monitoring/monitor.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { type LocalStack, startLocalStack } from "../support/decisions/local-stack.ts";
import { runCli } from "../support/run-cli.ts";

// Score -> pull -> replay -> monitor through the real stack: `wrangler dev --local` (Worker, local Queue and its
// consumer, local R2), then `credit-edge decisions pull` reading that R2 state into a DuckDB warehouse.

const bundledCard = readArtifacts().card;
let stack: LocalStack;
let env: Record<string, string>;
const requests: { id: string; items: number }[] = [];

beforeAll(async () => {
  // With the bundled challenger in shadow: its answers reach the records after the responses.
  stack = await startLocalStack({ clients: 40, vars: { CHALLENGER_SHADOW: "on" } });
  env = {
    CREDIT_EDGE_WAREHOUSE: "duckdb",
    CREDIT_EDGE_DUCKDB: join(stack.home, "warehouse.duckdb"),
    CREDIT_EDGE_HOME: stack.home,
  };
  const ids = stack.clients.map((c) => c.clientId);
  for (const id of ids.slice(0, 5)) {
    const res = await stack.post("/v1/score", { client_id: id });
    expect(res.status).toBe(200);
    requests.push({ id: ((await res.json()) as { request_id: string }).request_id, items: 1 });
  }
  const batch = await stack.post("/v1/score/batch", { client_ids: ids.slice(5, 25) });
  requests.push({ id: ((await batch.json()) as { request_id: string }).request_id, items: 20 });
  const apps = await stack.post("/v1/applications/score", {
    applications: stack.clients.slice(25, 30).map((c) => ({ ...c.application, SK_ID_CURR: c.clientId })),
  });
  requests.push({ id: ((await apps.json()) as { request_id: string }).request_id, items: 5 });
}, 240_000);

afterAll(async () => stack?.close());

const pull = async (...args: string[]) => {
  const result = await runCli(["decisions", "pull", "--persist-to", stack.state, "--json", ...args], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { pulled: number; duplicates: number; objects: number };
};

async function tableCount(sql: string): Promise<number> {
  const warehouse = await DuckDbWarehouse.open({ path: env.CREDIT_EDGE_DUCKDB! });
  try {
    return Number((await warehouse.query(sql)).rows[0]![0]);
  } finally {
    await warehouse.close();
  }
}

describe("decision records through the local Queue and R2", () => {
  const expected = () => requests.reduce((n, r) => n + r.items, 0);

  it("pulls every scored item into the warehouse once: count in = count pulled", async () => {
    let pulled = 0;
    for (let attempt = 0; attempt < 30 && pulled < expected(); attempt++) {
      pulled += (await pull()).pulled;
      if (pulled < expected()) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(pulled).toBe(expected());
    expect(await tableCount("SELECT COUNT(*) FROM decisions")).toBe(expected());
    expect(await tableCount("SELECT COUNT(DISTINCT request_id || ':' || item) FROM decisions")).toBe(
      expected(),
    );
    // The challenger's lines were merged into the same rows (they may trail the decisions by a batch).
    for (let attempt = 0; attempt < 30; attempt++) {
      if (
        (await tableCount("SELECT COUNT(*) FROM decisions WHERE challenger_probability IS NOT NULL")) ===
        expected()
      )
        break;
      await new Promise((r) => setTimeout(r, 1000));
      await pull();
    }
    expect(await tableCount("SELECT COUNT(*) FROM decisions WHERE challenger_probability IS NOT NULL")).toBe(
      expected(),
    );
    expect(await tableCount("SELECT COUNT(DISTINCT challenger_model_version) FROM decisions")).toBe(1);
    // A second pull finds nothing new.
    expect((await pull()).pulled).toBe(0);
    // --since in the future reads nothing.
    expect((await pull("--since", "2999-01-01T00:00:00Z")).objects).toBe(0);
  });

  it("replays each request from its record alone: probability and decision match", async () => {
    for (const request of requests) {
      const result = await runCli(["decisions", "replay", "--request-id", request.id, "--json"], env);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as {
        match: boolean;
        items: {
          match: boolean;
          inputs_match: boolean;
          reason_codes_match: boolean;
          probability_delta: number;
        }[];
      };
      expect(report.match).toBe(true);
      expect(report.items).toHaveLength(request.items);
      for (const item of report.items) {
        expect(item.probability_delta).toBeLessThanOrEqual(1e-6);
        expect(item.inputs_match).toBe(true);
        expect(item.reason_codes_match).toBe(true);
      }
    }
  });

  it("monitors the pulled decisions: monitor.json, monitor.html, the challenger compared", async () => {
    const out = join(stack.home, "monitor");
    const run = await runCli(["monitor", "--out", out, "--json"], env);
    const report = JSON.parse(run.stdout) as MonitorReport;
    // Thirty decisions are too few for PSI to mean much (said in warnings): the exit code follows the flags.
    expect(run.code).toBe(report.flags.length ? 3 : 0);
    expect(report.decisions).toBe(expected());
    expect(report.warnings.join(" ")).toMatch(/sampling noise/);
    expect(report.features.map((f) => f.name).sort()).toEqual(bundledCard.features.map((f) => f.name).sort());
    expect(report.challenger).toHaveLength(1);
    expect(report.challenger[0]!.decisions).toBe(expected());
    expect(existsSync(join(out, "monitor.html"))).toBe(true);
  });

  it("exits non-zero with match false when a record no longer matches, and names a missing request", async () => {
    const warehouse = await DuckDbWarehouse.open({ path: env.CREDIT_EDGE_DUCKDB! });
    try {
      await warehouse.query(
        `UPDATE decisions SET probability = probability + 0.01 WHERE request_id = '${requests[0]!.id}'`,
      );
    } finally {
      await warehouse.close();
    }
    const tampered = await runCli(["decisions", "replay", "--request-id", requests[0]!.id, "--json"], env);
    expect(tampered.code).toBe(4);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ match: false, items: [{ match: false }] });
    const missing = await runCli(["decisions", "replay", "--request-id", "no-such-request"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no decision record for request no-such-request/);
  });
});
