import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { shardBinding, shardOf } from "../../online-store/shard-layout.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { writeShardConfig } from "../../sync/target/wrangler-shard-config.ts";
import { CLIENT_SNAPSHOT_FROM } from "../../warehouse/client-snapshot.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { checksumOf } from "../support/sync/stored-rows.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { CliProcess, type LogLine, runCliToEnd } from "../support/sync/sync-process.ts";
import { workerOnlineStore } from "../support/sync/worker-store.ts";

// A sharded online store: three local D1 shards (and the control database) from a wrangler config with
// three shard bindings, written by the real CLI, killed part-way and resumed, read back through the
// Worker's own store. Expected values come from the warehouse and from the shard map.

const SHARDS = 3;
const LEASE_TTL_MS = 15_000;
const SLOW = ["--page-size", "4"];

let f: SyncFixture;
let env: Record<string, string>;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
let clientIds: number[];
let first: SyncReport;

type Db = Awaited<ReturnType<typeof openD1Reader>>["db"];
const shardDb = (k: number): Db => reader.databases.get(shardBinding(k))!;

async function status(): Promise<SyncStatus> {
  const run = await runCliToEnd(f.args("sync", "status", "--json"), env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncStatus;
}

type Row = { client_id: number; hash_hi: number; hash_lo: number };

async function rowsOf(db: Db, version: number): Promise<Row[]> {
  const rows = await db
    .prepare("SELECT client_id, hash_hi, hash_lo FROM client_vectors WHERE feature_set_id = ?")
    .bind(version)
    .all<Row>();
  return rows.results as Row[];
}

async function activeOn(db: Db, schemaHash: string): Promise<number | undefined> {
  const row = await db
    .prepare("SELECT feature_set_id FROM active_feature_sets WHERE schema_hash = ?")
    .bind(schemaHash)
    .first<{ feature_set_id: number }>();
  return row?.feature_set_id;
}

/** The Worker's store over the three shards, as its bindings would give them. */
const workerStore = () =>
  workerOnlineStore({
    control: reader.db,
    shards: Array.from({ length: SHARDS }, (_, k) => ({ shard: k, primary: shardDb(k), standby: null })),
    standby: false,
  });

async function leaseExpired(): Promise<void> {
  for (;;) {
    const lease = await reader.db
      .prepare("SELECT expires_at FROM sync_leases")
      .first<{ expires_at: number }>();
    if (!lease || lease.expires_at < Date.now()) return;
    await new Promise((resolve) => setTimeout(resolve, lease.expires_at - Date.now() + 50));
  }
}

const children: CliProcess[] = [];

let config: string;

beforeAll(async () => {
  config = writeShardConfig(`test-shards-${randomUUID().slice(0, 8)}`, { shards: SHARDS });
  f = await syncFixture("sync-shards", { config });
  env = {
    ...f.env,
    CREDIT_EDGE_SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
    CREDIT_EDGE_SYNC_IN_FLIGHT: "1",
    CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "0",
  };
  reader = await openD1Reader(f.state, config);
  const warehouse = await DuckDbWarehouse.open({ path: f.warehouse });
  try {
    const ids = await warehouse.query(`SELECT a.SK_ID_CURR FROM ${CLIENT_SNAPSHOT_FROM}`);
    clientIds = ids.rows.map((r) => Number(r[0]));
  } finally {
    await warehouse.close();
  }
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill("SIGKILL");
    await child.exited;
  }
});

afterAll(async () => {
  await reader?.close();
  f?.cleanup();
});

describe(`a sync into ${SHARDS} shards`, () => {
  it("names every database of the layout for the migrations (sync bindings)", async () => {
    const run = await runCliToEnd(["sync", "bindings", "--config", config], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual(["DB", ...[0, 1, 2].map(shardBinding)]);
  });

  it("writes every client to its shard, verifies rows and checksum per shard and in total, then activates all", async () => {
    const run = await runCliToEnd(f.args("sync", "--json"), env);
    expect(run.code, run.stderr).toBe(0);
    first = JSON.parse(run.stdout) as SyncReport;
    expect(first).toMatchObject({ outcome: "activated", rows: clientIds.length, load: "query" });
    expect(first.target).toContain(`with ${SHARDS} shards`);
    expect(first.shards.map((s) => s.database)).toEqual([0, 1, 2].map(shardBinding));

    let total = 0n;
    for (let k = 0; k < SHARDS; k++) {
      const expected = clientIds.filter((id) => shardOf(id, SHARDS) === k).sort((a, b) => a - b);
      const stored = await rowsOf(shardDb(k), first.version!);
      // Each shard holds exactly its clients, every one of them, and its checksum is over those rows.
      expect(stored.map((r) => r.client_id).sort((a, b) => a - b)).toEqual(expected);
      expect(first.shards[k]).toMatchObject({
        shard: k,
        rows: expected.length,
        checksum: checksumOf(stored),
      });
      expect(await activeOn(shardDb(k), first.schemaHash)).toBe(first.version);
      total += BigInt(checksumOf(stored).split(":")[0]!);
    }
    expect(first.checksum.split(":")[0]).toBe(String(total));
    expect(first.shards.reduce((n, s) => n + s.rows, 0)).toBe(clientIds.length);
    // The control database keeps the version's record and no client rows.
    expect(await rowsOf(reader.db, first.version!)).toEqual([]);
    expect(await activeOn(reader.db, first.schemaHash)).toBe(first.version);
    const verified = run.lines.find((l) => l.event === "sync.verified");
    expect(verified?.shards).toHaveLength(SHARDS);

    const after = await status();
    expect(after.layout).toEqual({ shards: SHARDS, standby: false, serving: [0, 1, 2].map(shardBinding) });
    expect(after.active).toMatchObject({
      version: first.version,
      rows: clientIds.length,
      checksum: first.checksum,
    });
    expect(after.active!.shards).toEqual(
      first.shards.map((s) => ({ shard: s.shard, rows: s.rows, bytes: expect.any(Number) })),
    );
    expect(after.active!.bytes_per_client).toBeLessThanOrEqual(2_500);
  });

  it("is what the Worker reads: one query on the client's own shard finds it, stamped with that shard", async () => {
    const store = await workerStore();
    for (let k = 0; k < SHARDS; k++) {
      const id = clientIds.find((c) => shardOf(c, SHARDS) === k)!;
      const lookup = await store.client(first.schemaHash, id);
      expect(lookup?.featureSet.id).toBe(first.version);
      expect(lookup?.vectors.get(id)?.clientId).toBe(id);
    }
    // A Worker with the wrong shard count is refused by the stamp, never answers from the wrong shard.
    const wrong = await workerOnlineStore({
      control: reader.db,
      shards: [0, 1].map((k) => ({ shard: k, primary: shardDb(k), standby: null })),
      standby: false,
    });
    await expect(wrong.client(first.schemaHash, clientIds[0]!)).rejects.toThrow(/laid out as shard \d of 3/);
  });

  it("killed mid-run: every shard keeps serving the previous version; the rerun resumes the rest on every shard", async () => {
    const killed = new CliProcess(f.args("sync", ...SLOW), env);
    children.push(killed);
    const created = Number((await killed.waitFor((l) => l.event === "sync.version_created")).version);
    await killed.waitFor((l: LogLine) => l.event === "progress" && Number(l.done) > 200);
    killed.kill("SIGKILL");
    await killed.exited;

    const store = await workerStore();
    for (let k = 0; k < SHARDS; k++) {
      expect(await activeOn(shardDb(k), first.schemaHash)).toBe(first.version);
      const previous = await rowsOf(shardDb(k), first.version!);
      expect(checksumOf(previous)).toBe(first.shards[k]!.checksum);
      const id = clientIds.find((c) => shardOf(c, SHARDS) === k)!;
      expect((await store.client(first.schemaHash, id))?.featureSet.id).toBe(first.version);
    }
    const partial = (await status()).versions.find((v) => v.version === created);
    expect(partial?.status).toBe("loading");
    expect(partial!.rows!).toBeGreaterThan(0);
    expect(partial!.rows!).toBeLessThan(clientIds.length);
    // Written round-robin over the shards as the source comes: each shard has part of its rows.
    const present: number[] = await Promise.all(
      [0, 1, 2].map(async (k) => (await rowsOf(shardDb(k), created)).length),
    );
    expect(present.every((n) => n > 0)).toBe(true);

    await leaseExpired();
    const resumed = await runCliToEnd(f.args("sync", "--keep", "1", "--json"), env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as SyncReport;
    expect(report.version).toBe(created);
    expect(report.resumed).toEqual({ version: created, rowsPresent: present.reduce((a, b) => a + b, 0) });
    expect(report.written).toBe(clientIds.length - report.resumed!.rowsPresent);
    expect(report.checksum).toBe(first.checksum);
    for (let k = 0; k < SHARDS; k++) {
      expect(await activeOn(shardDb(k), first.schemaHash)).toBe(created);
      expect(checksumOf(await rowsOf(shardDb(k), created))).toBe(first.shards[k]!.checksum);
      // keep 1, no grace: the previous version is gone from every shard.
      expect(await rowsOf(shardDb(k), first.version!)).toEqual([]);
    }
    expect(await activeOn(reader.db, first.schemaHash)).toBe(created);
  });

  it("an incremental run over the shards with nothing changed keeps the version", async () => {
    const run = await runCliToEnd(f.args("sync", "--incremental", "--json"), env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as SyncReport;
    expect(report.outcome).toBe("unchanged");
    expect(report.changes).toMatchObject({ updated: 0, added: 0, removed: 0, unchanged: clientIds.length });
  });
});
