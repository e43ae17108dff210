import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WRANGLER_CONFIG } from "../../sync/open.ts";
import { DEFAULT_RETRY } from "../../sync/retry.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { D1_LIMITS } from "../support/d1-http-server/d1-limits.ts";
import { type D1HttpServer, startD1HttpServer } from "../support/d1-http-server/server.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { runCliToEnd } from "../support/sync/sync-process.ts";

// The remote target, over the D1 HTTP API, against a local stand-in for Cloudflare's endpoint that enforces
// D1's statement limits and is backed by a real local D1. Failures are injected into its answers.

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const DATABASE = randomUUID();
const TOKEN = randomUUID();

let f: SyncFixture;
let server: D1HttpServer;
let env: Record<string, string>;
let first: SyncReport;

const isVectorInsert = (sqls: readonly string[]) =>
  sqls.some((s) => s.startsWith("INSERT INTO client_vectors"));

async function remoteStatus(): Promise<SyncStatus> {
  const run = await runCliToEnd(["sync", "status", "--target", "remote", "--json"], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncStatus;
}

async function post(
  body: unknown,
): Promise<{ status: number; json: { success: boolean; errors: { message: string }[] } }> {
  const response = await fetch(`${server.apiBase}/accounts/${ACCOUNT}/d1/database/${DATABASE}/raw`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  f = await syncFixture("sync-remote");
  const { localDatabaseId } = await readWranglerD1Config(WRANGLER_CONFIG);
  server = await startD1HttpServer({
    accountId: ACCOUNT,
    databaseId: DATABASE,
    token: TOKEN,
    persistRoot: f.state,
    localDatabaseId,
  });
  env = {
    ...f.env,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    CLOUDFLARE_D1_DATABASE_ID: DATABASE,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_API_BASE_URL: server.apiBase,
  };
});

afterAll(async () => {
  await server?.close();
  f?.cleanup();
});

describe("the D1 HTTP API stand-in", () => {
  it("enforces D1's limits: 100 bound parameters and 100 KB per statement, string parameters", async () => {
    const params = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    const select = (n: number) => `SELECT ${Array.from({ length: n }, () => "?").join(", ")}`;
    expect((await post({ sql: select(100), params: params(100) })).status).toBe(200);
    const tooMany = await post({ sql: select(101), params: params(101) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.errors[0]?.message).toContain("too many SQL variables");
    const padding = "x".repeat(D1_LIMITS.maxStatementBytes);
    const tooLong = await post({ sql: `SELECT '${padding}'` });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.errors[0]?.message).toContain("SQLITE_TOOBIG");
    expect((await post({ sql: "SELECT ?", params: [1] })).status).toBe(400);
  });
});

describe("credit-edge sync --target remote", () => {
  it("names the environment variables it lacks", async () => {
    const { CLOUDFLARE_D1_DATABASE_ID: _, CLOUDFLARE_API_TOKEN: __, ...partial } = env;
    const run = await runCliToEnd(["sync", "--target", "remote"], {
      ...partial,
      CLOUDFLARE_D1_DATABASE_ID: "",
      CLOUDFLARE_API_TOKEN: "",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "the remote target needs CLOUDFLARE_D1_DATABASE_ID, CLOUDFLARE_API_TOKEN in the environment",
    );
  });

  it("refuses an API base URL over plain http except on loopback: the token would travel in clear", async () => {
    for (const base of ["http://d1-proxy.example.invalid/client/v4", "http://10.0.0.7:8080/client/v4"]) {
      const run = await runCliToEnd(["sync", "--target", "remote"], {
        ...env,
        CLOUDFLARE_API_BASE_URL: base,
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain("CLOUDFLARE_API_BASE_URL is plain http to");
      expect(run.stderr).toContain("the API token would travel in clear");
    }
    const status = await runCliToEnd(["sync", "status", "--target", "remote"], {
      ...env,
      CLOUDFLARE_API_BASE_URL: "ftp://d1.example.invalid/",
    });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("CLOUDFLARE_API_BASE_URL must be an https URL");
  });

  it("writes a verified version within D1's limits, retrying injected 429 and 503 answers", async () => {
    server.faults.add({
      status: 429,
      code: 971,
      message: "Too many requests",
      retryAfter: 0,
      times: 2,
      matches: isVectorInsert,
    });
    server.faults.add({
      status: 503,
      code: 7500,
      message: "D1 is overloaded",
      times: 1,
      matches: isVectorInsert,
    });
    const from = server.requests.length;
    const run = await runCliToEnd(["sync", "--target", "remote", "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    first = JSON.parse(run.stdout) as SyncReport;
    expect(first.outcome).toBe("activated");
    expect(first.target).toBe(`remote D1 ${DATABASE}`);
    expect(server.faults.pending).toBe(0);
    const retries = run.lines.filter((l) => l.event === "sync.retry");
    expect(retries).toHaveLength(3);
    expect(retries.map((l) => String(l.message))).toEqual([
      expect.stringContaining("HTTP 429: Too many requests"),
      expect.stringContaining("HTTP 429"),
      expect.stringContaining("HTTP 503: D1 is overloaded"),
    ]);

    const requests = server.requests.slice(from);
    expect(requests.map((r) => r.status)).toEqual(expect.arrayContaining([429, 503]));
    const statements = requests.flatMap((r) => r.statements);
    const inserts = statements.filter((s) => s.sql.startsWith("INSERT INTO client_vectors"));
    expect(inserts.length).toBeGreaterThan(0);
    expect(Math.max(...statements.map((s) => s.params))).toBeLessThanOrEqual(D1_LIMITS.maxBoundParameters);
    expect(Math.max(...statements.map((s) => s.sqlBytes))).toBeLessThanOrEqual(D1_LIMITS.maxStatementBytes);
    // Rows are packed: statements come close to the size limit rather than one row each.
    expect(Math.max(...inserts.map((s) => s.sqlBytes))).toBeGreaterThan(D1_LIMITS.maxStatementBytes / 2);
    expect(inserts.length).toBeLessThan(first.rows / 5);

    const status = await remoteStatus();
    expect(status.active).toMatchObject({
      version: first.version,
      rows: first.rows,
      schema_hash: first.schemaHash,
    });
    expect(status.versions[0]).toMatchObject({
      version: first.version,
      checksum: first.checksum,
      status: "ready",
    });
  });

  it("stops at a permanent error with a clear message, activating nothing", async () => {
    server.faults.add({
      status: 400,
      code: 7500,
      message: 'near "X": syntax error: SQLITE_ERROR',
      matches: isVectorInsert,
    });
    const run = await runCliToEnd(["sync", "--target", "remote"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: remote D1 ${DATABASE} rejected the request (HTTP 400): near "X": syntax error: SQLITE_ERROR (code 7500)`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.lines.some((l) => l.event === "sync.retry")).toBe(false);
    const status = await remoteStatus();
    expect(status.active?.version).toBe(first.version);
    expect(status.versions[0]).toMatchObject({ status: "loading", active: false });
    expect(status.lease).toBeNull();
  });

  it("gives up on a transient failure after a bounded number of attempts, activating nothing", async () => {
    server.faults.add({
      status: 503,
      code: 7500,
      message: "D1 is overloaded",
      retryAfter: 0,
      times: 1000,
      matches: isVectorInsert,
    });
    // One request at a time, so the retries counted are one request's.
    const run = await runCliToEnd(["sync", "--target", "remote"], {
      ...env,
      CREDIT_EDGE_SYNC_IN_FLIGHT: "1",
    });
    server.faults.clear();
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`gave up after ${DEFAULT_RETRY.attempts} attempts`);
    expect(run.lines.filter((l) => l.event === "sync.retry")).toHaveLength(DEFAULT_RETRY.attempts - 1);
    const status = await remoteStatus();
    expect(status.active?.version).toBe(first.version);
    expect(status.lease).toBeNull();
  });
});
