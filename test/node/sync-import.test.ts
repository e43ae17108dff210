import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { layoutBindings, shardBinding, standbyBinding } from "../../online-store/shard-layout.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { writeShardConfig } from "../../sync/target/wrangler-shard-config.ts";
import { type D1HttpServer, startD1HttpServer } from "../support/d1-http-server/server.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { checksumOf } from "../support/sync/stored-rows.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { CliProcess, runCliToEnd } from "../support/sync/sync-process.ts";
import { workerOnlineStore } from "../support/sync/worker-store.ts";

// The remote path of a sharded online store with a standby database per shard, end to end against the D1
// HTTP stand-in: the query API (a shard failing verification), and D1's import API (init, upload, ingest,
// poll) loading the standbys while the serving databases answer, then one flip; an import killed half-way.

const SHARDS = 3;
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = randomUUID();
const CONTROL = randomUUID();
const LEASE_TTL_MS = 4_000;

let f: SyncFixture;
let server: D1HttpServer;
let env: Record<string, string>;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
let ids: Map<string, string>;
let queried: SyncReport;
const children: CliProcess[] = [];
/** Lets a held import go (also after a failed test: the server waits for running imports to close). */
let release: () => void = () => {};

type Db = Awaited<ReturnType<typeof openD1Reader>>["db"];
const db = (binding: string): Db => reader.databases.get(binding)!;
const isVectorInsert = (sqls: readonly string[]) =>
  sqls.some((s) => s.startsWith("INSERT INTO client_vectors"));

async function status(): Promise<SyncStatus> {
  const run = await runCliToEnd(f.args("sync", "status", "--target", "remote", "--json"), env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncStatus;
}

async function activeOn(binding: string, schemaHash: string): Promise<number | undefined> {
  const row = await db(binding)
    .prepare("SELECT feature_set_id FROM active_feature_sets WHERE schema_hash = ?")
    .bind(schemaHash)
    .first<{ feature_set_id: number }>();
  return row?.feature_set_id;
}

async function rowsOf(binding: string, version: number) {
  return (
    await db(binding)
      .prepare("SELECT client_id, hash_hi, hash_lo FROM client_vectors WHERE feature_set_id = ?")
      .bind(version)
      .all<{ client_id: number; hash_hi: number; hash_lo: number }>()
  ).results;
}

/** The Worker's store over the layout, routes read from the control database. */
const workerStore = () =>
  workerOnlineStore({
    control: reader.db,
    shards: Array.from({ length: SHARDS }, (_, k) => ({
      shard: k,
      primary: db(shardBinding(k)),
      standby: db(standbyBinding(k)),
    })),
    standby: true,
  });

async function until(test: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; !(await test()); waited += 50) {
    if (waited > 120_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  const config = writeShardConfig(`test-import-${randomUUID().slice(0, 8)}`, {
    shards: SHARDS,
    standby: true,
    databaseId: () => randomUUID(),
  });
  f = await syncFixture("sync-import", { config });
  const d1 = await readWranglerD1Config(config);
  ids = new Map(
    layoutBindings(d1.layout).map((b) => [b, b === "DB" ? CONTROL : d1.databases.get(b)!.databaseId!]),
  );
  server = await startD1HttpServer({
    accountId: ACCOUNT,
    token: TOKEN,
    persistRoot: f.state,
    databases: Object.fromEntries(
      layoutBindings(d1.layout).map((b) => [ids.get(b)!, d1.databases.get(b)!.localDatabaseId]),
    ),
  });
  env = {
    ...f.env,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    CLOUDFLARE_D1_DATABASE_ID: CONTROL,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_API_BASE_URL: server.apiBase,
    CREDIT_EDGE_SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
    CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "0",
    CREDIT_EDGE_SYNC_IMPORT_POLL_MS: "100",
    // Several files per shard: the sample's ~7 MB of SQL per shard in 1 MB imports.
    CREDIT_EDGE_SYNC_IMPORT_FILE_MB: "1",
  };
  reader = await openD1Reader(f.state, config);
});

afterEach(async () => {
  server.faults.clear();
  server.beforeImport = null;
  release();
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
});

afterAll(async () => {
  await reader?.close();
  await server?.close();
  f?.cleanup();
});

describe(`a remote sync into ${SHARDS} shards with standbys`, () => {
  it("one shard failing verification: nothing is activated on any shard; the rerun resumes and activates", async () => {
    // Two of shard 1's write requests are answered as if they had run: their rows are missing.
    server.faults.add({
      status: 200,
      code: 0,
      message: "",
      when: "drop",
      database: ids.get(shardBinding(1)),
      matches: isVectorInsert,
      times: 2,
    });
    const failed = await runCliToEnd(f.args("sync", "--target", "remote", "--load", "query"), env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /verification failed for version \d+: shard 1 \(remote D1 [0-9a-f-]+\) holds \d+ rows/,
    );
    expect(failed.stderr).toContain("Nothing was activated");
    expect(failed.stderr).not.toContain("shard 0 (");
    const after = await status();
    expect(after.active).toBeNull();
    const version = after.versions[0]!;
    expect(version.status).toBe("loading");
    for (let k = 0; k < SHARDS; k++)
      expect(await activeOn(shardBinding(k), version.schema_hash)).toBeUndefined();

    const rerun = await runCliToEnd(f.args("sync", "--target", "remote", "--load", "query", "--json"), env);
    expect(rerun.code, rerun.stderr).toBe(0);
    queried = JSON.parse(rerun.stdout) as SyncReport;
    expect(queried.version).toBe(version.version);
    expect(queried.resumed?.version).toBe(version.version);
    // Only what went missing is written again, all of it on shard 1.
    expect(queried.written).toBeGreaterThan(0);
    expect(queried.shards.map((s) => s.written > 0)).toEqual([false, true, false]);
    for (let k = 0; k < SHARDS; k++) {
      expect(await activeOn(shardBinding(k), queried.schemaHash)).toBe(queried.version);
      expect(checksumOf(await rowsOf(shardBinding(k), queried.version!))).toBe(queried.shards[k]!.checksum);
    }
  });

  it("loads every standby through D1's import API while the serving databases answer, then flips all shards at once", async () => {
    const from = server.requests.length;
    const serving = shardBinding(0);
    const run = new CliProcess(f.args("sync", "--target", "remote", "--json"), env);
    children.push(run);
    // While the imports run, a reader keeps querying a serving database through the API.
    const probes: number[] = [];
    const probe = (async () => {
      while (run.lines.every((l) => l.event !== "sync.activated")) {
        const t = performance.now();
        const response = await fetch(
          `${server.apiBase}/accounts/${ACCOUNT}/d1/database/${ids.get(serving)}/raw`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ sql: "SELECT COUNT(*) FROM active_feature_sets" }),
          },
        );
        expect(response.status).toBe(200);
        probes.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if ((await Promise.race([run.exited, Promise.resolve(null)])) !== null) break;
      }
    })();
    const exit = await run.exited;
    await probe;
    expect(exit.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SyncReport;
    expect(report).toMatchObject({
      outcome: "activated",
      load: "import",
      rows: queried.rows,
      checksum: queried.checksum,
    });
    expect(report.shards.map((s) => s.database)).toEqual([0, 1, 2].map(standbyBinding));

    const standbyIds = new Set([0, 1, 2].map((k) => ids.get(standbyBinding(k))));
    const imported = server.imports.filter((i) => standbyIds.has(i.database));
    expect(imported.length).toBeGreaterThan(SHARDS);
    expect(imported.every((i) => i.status === "complete")).toBe(true);
    expect(server.imports.every((i) => standbyIds.has(i.database))).toBe(true);
    // The import calls went init -> upload -> ingest -> poll; nothing that serves waited for an import.
    const calls = server.requests.slice(from);
    expect(new Set(calls.filter((r) => r.endpoint === "import").map((r) => r.action))).toEqual(
      new Set(["init", "ingest", "poll"]),
    );
    expect(calls.filter((r) => r.endpoint === "upload")).toHaveLength(imported.length);
    const servingIds = new Set([0, 1, 2].map((k) => ids.get(shardBinding(k))));
    expect(calls.filter((r) => r.blocked && servingIds.has(r.database))).toEqual([]);
    expect(probes.length).toBeGreaterThan(0);
    expect(report.calls.import).toBeGreaterThan(imported.length * 3);

    const after = await status();
    expect(after.layout.serving).toEqual([0, 1, 2].map(standbyBinding));
    expect(after.active?.version).toBe(report.version);
    for (let k = 0; k < SHARDS; k++) {
      expect(await activeOn(standbyBinding(k), report.schemaHash)).toBe(report.version);
      expect(checksumOf(await rowsOf(standbyBinding(k), report.version!))).toBe(report.shards[k]!.checksum);
      // The previous databases keep serving their version whole, for isolates still on the old route.
      expect(await activeOn(shardBinding(k), report.schemaHash)).toBe(queried.version);
      expect(checksumOf(await rowsOf(shardBinding(k), queried.version!))).toBe(queried.shards[k]!.checksum);
    }
    const store = await workerStore();
    const client = (await rowsOf(standbyBinding(2), report.version!))[0]!.client_id;
    expect((await store.client(report.schemaHash, client))?.featureSet.id).toBe(report.version);
    queried = report;
  });

  it("killed in the middle of an import: the serving databases keep serving; the rerun resumes and flips", async () => {
    // The second import is held; the sync is killed while it waits on it (polling).
    let started = 0;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.beforeImport = () => (++started === 2 ? held : Promise.resolve());
    const killed = new CliProcess(f.args("sync", "--target", "remote"), env);
    children.push(killed);
    const polls = server.requests.filter((r) => r.action === "poll").length;
    await until(() => started >= 2, "the second import");
    await until(() => server.requests.filter((r) => r.action === "poll").length > polls + 1, "polls of it");
    killed.kill("SIGKILL");
    await killed.exited;

    // The held import blocks the database it loads (a primary), and that one only: the serving standby
    // answers through the API at once; nothing flipped; scores still come from the standbys, whole.
    const heldOn = server.imports.find((i) => i.status === "active")!.database;
    expect([0, 1, 2].map((k) => ids.get(shardBinding(k)))).toContain(heldOn);
    const answer = await fetch(
      `${server.apiBase}/accounts/${ACCOUNT}/d1/database/${ids.get(standbyBinding(0))}/raw`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ sql: "SELECT feature_set_id FROM active_feature_sets" }),
      },
    );
    expect(answer.status).toBe(200);
    expect(server.requests.at(-1)?.blocked).toBeUndefined();
    const routes = await reader.db
      .prepare("SELECT shard, serving FROM shard_routes ORDER BY shard")
      .all<{ serving: string }>();
    expect((routes.results as { serving: string }[]).map((r) => r.serving)).toEqual([
      "standby",
      "standby",
      "standby",
    ]);
    const store = await workerStore();
    const client = (await rowsOf(standbyBinding(1), queried.version!))[0]!.client_id;
    expect((await store.client(queried.schemaHash, client))?.featureSet.id).toBe(queried.version);
    // The held import finishes on the server: D1 runs an ingested import to its end, client or not.
    release();
    await until(() => server.imports.every((i) => i.status !== "active"), "the held import");

    await until(async () => {
      const lease = await reader.db
        .prepare("SELECT expires_at FROM sync_leases")
        .first<{ expires_at: number }>();
      return !lease || lease.expires_at < Date.now() - 200;
    }, "the killed sync's lease to expire");
    const importsBefore = server.imports.length;
    const rerun = await runCliToEnd(f.args("sync", "--target", "remote", "--json"), env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout) as SyncReport;
    expect(report.load).toBe("import");
    expect(report.resumed!.rowsPresent).toBeGreaterThan(0);
    expect(report.written).toBe(report.rows - report.resumed!.rowsPresent);
    expect(report.checksum).toBe(queried.checksum);
    expect(server.imports.length).toBeGreaterThan(importsBefore);
    expect((await status()).layout.serving).toEqual([0, 1, 2].map(shardBinding));
    for (let k = 0; k < SHARDS; k++) {
      expect(await activeOn(shardBinding(k), report.schemaHash)).toBe(report.version);
      expect(checksumOf(await rowsOf(shardBinding(k), report.version!))).toBe(report.shards[k]!.checksum);
    }
    queried = report;
  });

  it("an incremental run goes through the query API into the serving databases", async () => {
    const run = await runCliToEnd(f.args("sync", "--target", "remote", "--incremental", "--json"), env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SyncReport;
    expect(report).toMatchObject({ outcome: "unchanged", load: "query", version: queried.version });
  });

  it("refuses to import into a database that served less than the grace period ago", async () => {
    const run = await runCliToEnd(f.args("sync", "--target", "remote", "--load", "import"), {
      ...env,
      CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "3600",
    });
    expect(run.code).toBe(75);
    expect(run.stderr).toMatch(/DB_SHARD_0_STANDBY stopped serving shard 0 at .* less than the grace period/);
  });
});
