import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPlatformProxy } from "wrangler";
import { STORED_APPLICATION_COLUMNS } from "../../online-store/application-layout.ts";
import { PACKED_FORMAT } from "../../online-store/packed-client.ts";
import { WRANGLER_CONFIG } from "../../sync/open.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import {
  CLIENT_SNAPSHOT_FROM,
  clientSnapshotSql,
  recordFromRow,
  SNAPSHOT_HISTORY_OFFSET,
} from "../../warehouse/client-snapshot.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { checksumOf, type StoredRow, storedClient } from "../support/sync/stored-rows.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { runCliToEnd } from "../support/sync/sync-process.ts";
import { workerOnlineStore } from "../support/sync/worker-store.ts";

// A full sync from the sample DuckDB warehouse into a local D1 (Miniflare's, as `wrangler dev` serves it),
// run as the operator runs it: the CLI in a child process. Expected values come from the warehouse.

let f: SyncFixture;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
let first: SyncReport;

async function warehouseFacts() {
  const warehouse = await DuckDbWarehouse.open({ path: f.warehouse });
  try {
    const registry = await loadRegistry(warehouse);
    const counted = await warehouse.query(`SELECT COUNT(*) FROM ${CLIENT_SNAPSHOT_FROM}`);
    const historyNames = registry.features.filter((x) => x.group === "history").map((x) => x.name);
    // About 40 clients spread over the id range, with and without history.
    const sample = await warehouse.query(clientSnapshotSql(historyNames, "WHERE a.SK_ID_CURR % 251 = 17"));
    return { schemaHash: registry.schemaHash, clients: Number(counted.rows[0]?.[0]), historyNames, sample };
  } finally {
    await warehouse.close();
  }
}

beforeAll(async () => {
  f = await syncFixture("sync-local");
});

afterAll(async () => {
  await reader?.close();
  f?.cleanup();
});

describe("credit-edge sync into the local D1", () => {
  it("writes every warehouse client as a new version, verifies it, then activates it", async () => {
    const run = await runCliToEnd(f.args("sync", "--json"), f.env);
    expect(run.code, run.stderr).toBe(0);
    first = JSON.parse(run.stdout) as SyncReport;
    const facts = await warehouseFacts();
    expect(first).toMatchObject({
      outcome: "activated",
      mode: "full",
      rows: facts.clients,
      schemaHash: facts.schemaHash,
      previousVersion: null,
      resumed: null,
      written: facts.clients,
    });
    // Operator log: JSON lines (stderr is not a terminal), in the order things happened.
    const events = run.lines.map((l) => l.event).filter((e) => e?.startsWith("sync."));
    expect(events).toEqual([
      "sync.lease_acquired",
      "sync.version_created",
      "sync.verified",
      "sync.activated",
    ]);
    expect(run.lines.some((l) => l.event === "done" && l.done === facts.clients)).toBe(true);

    reader = await openD1Reader(f.state);
    const stored = await reader.db
      .prepare("SELECT client_id, hash_hi, hash_lo FROM client_vectors WHERE feature_set_id = ?")
      .bind(first.version)
      .all<{ client_id: number; hash_hi: number; hash_lo: number }>();
    expect(stored.results).toHaveLength(facts.clients);
    expect(checksumOf(stored.results)).toBe(first.checksum);
  });

  it("stores each client as the warehouse holds it: history at float32, the application columns the features read, exactly", async () => {
    const facts = await warehouseFacts();
    expect(facts.sample.rows.length).toBeGreaterThan(20);
    let missingSeen = 0;
    for (const row of facts.sample.rows) {
      const clientId = Number(row[0]);
      const stored = await reader.db
        .prepare("SELECT * FROM client_vectors WHERE feature_set_id = ? AND client_id = ?")
        .bind(first.version, clientId)
        .first<StoredRow>();
      expect(stored, `client ${clientId}`).not.toBeNull();
      const { history, application } = storedClient(stored!, facts.historyNames.length);
      facts.historyNames.forEach((name, h) => {
        const value = row[SNAPSHOT_HISTORY_OFFSET + h];
        if (value === null) {
          missingSeen++;
          expect(history[h], `${clientId} ${name}`).toBeNaN();
        } else expect(history[h], `${clientId} ${name}`).toBe(Math.fround(Number(value)));
      });
      const record = recordFromRow(row);
      const expected = Object.fromEntries(
        STORED_APPLICATION_COLUMNS.flatMap((c) =>
          record[c.name] === null ? [] : [[c.name, record[c.name]]],
        ),
      );
      expect(application, `client ${clientId}`).toEqual(expected);
    }
    expect(missingSeen).toBeGreaterThan(0);
  });

  it("is what the Worker reads right after activation: its online store resolves the new version", async () => {
    const facts = await warehouseFacts();
    const store = await workerOnlineStore(reader.db);
    const clientId = Number(facts.sample.rows[0]?.[0]);
    const lookup = await store.client(facts.schemaHash, clientId);
    expect(lookup?.featureSet.id).toBe(first.version);
    expect(lookup?.featureSet.historyFeatureCount).toBe(facts.historyNames.length);
    expect(lookup?.featureSet.packedFormat).toBe(PACKED_FORMAT);
    expect(lookup?.vectors.get(clientId)?.packed).toBeDefined();
  });

  it("writes the database `wrangler dev` serves (getPlatformProxy on the same state)", async () => {
    const proxy = await getPlatformProxy<{ DB: typeof reader.db }>({
      configPath: WRANGLER_CONFIG,
      persist: { path: join(f.state, "v3") },
    });
    try {
      const active = await proxy.env.DB.prepare(
        "SELECT feature_set_id FROM active_feature_sets WHERE schema_hash = ?",
      )
        .bind(first.schemaHash)
        .first<{ feature_set_id: number }>();
      expect(active?.feature_set_id).toBe(first.version);
    } finally {
      await proxy.dispose();
    }
  });

  it("reports status as one JSON object: active version, every version, the lease", async () => {
    const run = await runCliToEnd(f.args("sync", "status", "--json"), f.env);
    expect(run.code, run.stderr).toBe(0);
    const status = JSON.parse(run.stdout) as SyncStatus;
    expect(status.active).toEqual({
      version: first.version,
      rows: first.rows,
      schema_hash: first.schemaHash,
      activated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      checksum: first.checksum,
      features_as_of: expect.any(String),
      shards: [{ shard: 0, rows: first.rows, bytes: expect.any(Number) }],
      bytes_per_client: expect.any(Number),
    });
    // The target: at most 2.5 KB on disk per client-version (one version, the database's own pages included).
    expect(status.active!.bytes_per_client).toBeLessThanOrEqual(2_500);
    expect(status.active!.shards[0]!.bytes).toBeGreaterThan(first.rows * 500);
    console.log(`local D1: ${status.active!.bytes_per_client} bytes on disk per client-version`);
    expect(status.versions).toEqual([
      expect.objectContaining({
        version: first.version,
        status: "ready",
        active: true,
        mode: "full",
        rows: first.rows,
        expected_rows: first.rows,
        checksum: first.checksum,
        created_at: expect.any(String),
        activated_at: status.active?.activated_at,
      }),
    ]);
    expect(status.lease).toBeNull();

    const text = await runCliToEnd(f.args("sync", "status"), f.env);
    expect(text.stdout).toContain(`*${first.version}`);
    expect(text.stdout).toContain(first.checksum);
    expect(text.stdout).toContain("lease: free");
  });

  it("activates each new version at once, retires the previous one, and keeps the last N", async () => {
    const secondRun = await runCliToEnd(f.args("sync", "--json"), f.env);
    expect(secondRun.code, secondRun.stderr).toBe(0);
    const second = JSON.parse(secondRun.stdout) as SyncReport;
    expect(second.version).toBeGreaterThan(first.version!);
    expect(second.previousVersion).toBe(first.version);
    // Same warehouse, same rows: the same checksum.
    expect(second.checksum).toBe(first.checksum);
    const status = JSON.parse(
      (await runCliToEnd(f.args("sync", "status", "--json"), f.env)).stdout,
    ) as SyncStatus;
    expect(status.active?.version).toBe(second.version);
    expect(status.versions.map((v) => [v.version, v.status, v.active])).toEqual([
      [second.version, "ready", true],
      [first.version, "retired", false],
    ]);

    // Within the grace period nothing superseded is deleted, --keep 1 or not.
    const kept = await runCliToEnd(f.args("sync", "--keep", "1", "--json"), f.env);
    expect(kept.code, kept.stderr).toBe(0);
    const third = JSON.parse(kept.stdout) as SyncReport;
    expect(third.gc?.deletedVersions).toEqual([]);
    expect(third.gc?.inGrace.sort()).toEqual([first.version, second.version].sort());

    const thirdRun = await runCliToEnd(f.args("sync", "--keep", "1", "--gc-grace", "0", "--json"), f.env);
    expect(thirdRun.code, thirdRun.stderr).toBe(0);
    const fourth = JSON.parse(thirdRun.stdout) as SyncReport;
    expect(fourth.gc?.deletedVersions.sort()).toEqual([first.version, second.version, third.version].sort());
    const sets = await reader.db.prepare("SELECT id FROM feature_sets").all<{ id: number }>();
    expect(sets.results.map((r: { id: number }) => r.id)).toEqual([fourth.version]);
    const withRows = await reader.db
      .prepare("SELECT DISTINCT feature_set_id AS id FROM client_vectors")
      .all<{ id: number }>();
    expect(withRows.results.map((r: { id: number }) => r.id)).toEqual([fourth.version]);
  });

  it("refuses clearly when the D1 has no migrations or the warehouse lacks its tables", async () => {
    const bare = join(f.dir, "bare-state");
    mkdirSync(bare, { recursive: true });
    const unmigrated = await runCliToEnd(["sync", "--persist-to", bare], f.env);
    expect(unmigrated.code).not.toBe(0);
    expect(unmigrated.stderr).toContain(
      `has no migrations applied: run \`npx wrangler d1 migrations apply DB --local --persist-to ${bare}\``,
    );

    const empty = join(f.dir, "empty.duckdb");
    const noTables = await runCliToEnd(f.args("sync"), { ...f.env, CREDIT_EDGE_DUCKDB: empty });
    expect(noTables.code).not.toBe(0);
    expect(noTables.stderr).toContain("table applications is missing");
    expect(noTables.stderr).toContain("run `credit-edge ingest`");

    const warehouse = await DuckDbWarehouse.open({ path: empty });
    await warehouse.createTableAs("applications", "SELECT 1 AS SK_ID_CURR");
    await warehouse.close();
    const noFeatures = await runCliToEnd(f.args("sync"), { ...f.env, CREDIT_EDGE_DUCKDB: empty });
    expect(noFeatures.code).not.toBe(0);
    expect(noFeatures.stderr).toContain("table client_features is missing");
    expect(noFeatures.stderr).toContain("run `credit-edge features`");
    // No stack traces for the operator: one line each.
    for (const run of [unmigrated, noTables, noFeatures]) expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
