import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { LEASE_HELD_EXIT_CODE } from "../../sync/store/lease.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { checksumOf } from "../support/sync/stored-rows.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { CliProcess, type LogLine, runCliToEnd } from "../support/sync/sync-process.ts";
import { workerOnlineStore } from "../support/sync/worker-store.ts";

// Real syncs killed part-way (SIGKILL of the CLI and its workerd, as a crash would), interrupted (SIGINT),
// and run two at a time, against one local D1.

/** Long enough for a CLI to start and be refused, short enough to wait out; renewed every third of it. */
const LEASE_TTL_MS = 15_000;
/** Four clients per page and request, one request at a time: a sync slow enough to stop half-way. */
const SLOW = ["--page-size", "4"];

let f: SyncFixture;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
let env: Record<string, string>;
let baseline: SyncReport;

const isProgress = (line: LogLine) => line.event === "progress" && Number(line.done) > 0;

async function status(): Promise<SyncStatus> {
  const run = await runCliToEnd(f.args("sync", "status", "--json"), env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncStatus;
}

async function storedRows(version: number) {
  const rows = await reader.db
    .prepare("SELECT hash_hi, hash_lo FROM client_vectors WHERE feature_set_id = ?")
    .bind(version)
    .all<{ hash_hi: number; hash_lo: number }>();
  return rows.results;
}

/** Wait (polling D1) until the lease row is past its expiry: what a crashed holder leaves behind. */
async function leaseExpired(): Promise<void> {
  for (;;) {
    const lease = await reader.db
      .prepare("SELECT expires_at FROM sync_leases")
      .first<{ expires_at: number }>();
    if (!lease || lease.expires_at < Date.now()) return;
    await new Promise((resolve) => setTimeout(resolve, lease.expires_at - Date.now() + 50));
  }
}

beforeAll(async () => {
  f = await syncFixture("sync-resume");
  // No grace period: these tests watch garbage collection delete superseded versions at once.
  env = {
    ...f.env,
    CREDIT_EDGE_SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
    CREDIT_EDGE_SYNC_IN_FLIGHT: "1",
    CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "0",
  };
  const run = await runCliToEnd(f.args("sync", "--json"), env);
  expect(run.code, run.stderr).toBe(0);
  baseline = JSON.parse(run.stdout) as SyncReport;
  reader = await openD1Reader(f.state);
});

/** Every child started here dies with the test, whatever the test's outcome. */
const children: CliProcess[] = [];
const track = (child: CliProcess) => {
  children.push(child);
  return child;
};

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

describe("a sync killed, interrupted or doubled", () => {
  it("killed mid-write: the previous version keeps serving, complete; the next run resumes the rest", async () => {
    const clientId = (await reader.db
      .prepare("SELECT client_id FROM client_vectors WHERE feature_set_id = ? LIMIT 1")
      .bind(baseline.version)
      .first<{ client_id: number }>())!.client_id;
    const killed = track(new CliProcess(f.args("sync", ...SLOW), env));
    const created = await killed.waitFor((l) => l.event === "sync.version_created");
    const holder = (await killed.waitFor((l) => l.event === "sync.lease_acquired")).holder;
    await killed.waitFor(isProgress);
    // While it writes, the Worker reads the previous version (through its own store, retries included:
    // this local D1 file is shared with the writing process, which can hold SQLite's lock for a moment).
    const store = await workerOnlineStore(reader.db);
    const lookup = await store.client(baseline.schemaHash, clientId);
    expect(lookup?.featureSet.id).toBe(baseline.version);
    killed.kill("SIGKILL");
    expect((await killed.exited).signal).toBe("SIGKILL");

    const interrupted = Number(created.version);
    // The crashed holder's lease outlives it until expiry: a sync now is refused, naming it.
    const refused = await runCliToEnd(f.args("sync"), env);
    expect(refused.code, refused.stderr).toBe(LEASE_HELD_EXIT_CODE);
    expect(refused.stderr).toContain(`another sync holds the lease: ${holder} since `);
    expect(refused.stderr).toMatch(/until \d{4}-\d\d-\d\dT/);

    const after = await status();
    expect(after.lease?.holder).toBe(holder);
    expect(after.active).toMatchObject({ version: baseline.version, rows: baseline.rows });
    const partial = after.versions.find((v) => v.version === interrupted);
    expect(partial?.status).toBe("loading");
    expect(partial?.rows).toBeGreaterThan(0);
    expect(partial?.rows).toBeLessThan(baseline.rows);
    const previous = await storedRows(baseline.version!);
    expect(previous).toHaveLength(baseline.rows);
    expect(checksumOf(previous)).toBe(baseline.checksum);

    await leaseExpired();
    const resumed = await runCliToEnd(f.args("sync", "--keep", "1", "--json"), env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as SyncReport;
    expect(report.tookOverLeaseFrom).toBe(holder);
    expect(report.version).toBe(interrupted);
    expect(report.resumed).toEqual({ version: interrupted, rowsPresent: partial!.rows });
    expect(report.written).toBe(baseline.rows - partial!.rows!);
    expect(report.checksum).toBe(baseline.checksum);
    expect(resumed.lines.map((l) => l.event)).toContain("sync.lease_taken_over");

    // After garbage collection (keep 1): one version, its rows, nothing else.
    const sets = await reader.db.prepare("SELECT id FROM feature_sets").all<{ id: number }>();
    expect(sets.results.map((r: { id: number }) => r.id)).toEqual([interrupted]);
    const withRows = await reader.db
      .prepare("SELECT DISTINCT feature_set_id AS id FROM client_vectors")
      .all<{ id: number }>();
    expect(withRows.results.map((r: { id: number }) => r.id)).toEqual([interrupted]);
    expect(checksumOf(await storedRows(interrupted))).toBe(baseline.checksum);
    baseline = report;
  });

  it("killed, then the source changes: the next run discards the unfinished version and starts over", async () => {
    const killed = track(new CliProcess(f.args("sync", ...SLOW), env));
    const created = Number((await killed.waitFor((l) => l.event === "sync.version_created")).version);
    await killed.waitFor(isProgress);
    killed.kill("SIGKILL");
    await killed.exited;
    await leaseExpired();

    // Rebuilding the features stamps a new build time: a different source snapshot.
    const rebuilt = await runCliToEnd(["features"], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const restarted = await runCliToEnd(f.args("sync", "--keep", "1", "--json"), env);
    expect(restarted.code, restarted.stderr).toBe(0);
    const report = JSON.parse(restarted.stdout) as SyncReport;
    expect(report.resumed).toBeNull();
    expect(report.version).toBeGreaterThan(created);
    expect(report.written).toBe(report.rows);
    const abandoned = restarted.lines.find((l) => l.event === "sync.abandoned");
    expect(abandoned?.versions).toEqual([created]);
    expect(report.gc?.deletedVersions).toContain(created);
    const withRows = await reader.db
      .prepare("SELECT DISTINCT feature_set_id AS id FROM client_vectors")
      .all<{ id: number }>();
    expect(withRows.results.map((r: { id: number }) => r.id)).toEqual([report.version]);
    baseline = report;
  });

  it("refuses a second sync while one runs; an interrupted sync releases the lease and activates nothing", async () => {
    const running = track(new CliProcess(f.args("sync", ...SLOW), env));
    const holder = (await running.waitFor((l) => l.event === "sync.lease_acquired")).holder;
    await running.waitFor((l) => l.event === "sync.version_created");

    const second = await runCliToEnd(f.args("sync"), env);
    expect(second.code, second.stderr).toBe(LEASE_HELD_EXIT_CODE);
    expect(second.stderr).toContain(`another sync holds the lease: ${holder}`);
    expect(second.stderr).not.toMatch(/\n\s+at /);

    // Ctrl-C on the CLI alone: it stops before its next write and cleans up.
    process.kill(running.pid, "SIGINT");
    const exit = await running.exited;
    expect(exit.code).toBe(130);
    expect(running.stderr).toContain("interrupted (SIGINT): nothing activated");
    const after = await status();
    expect(after.lease).toBeNull();
    expect(after.active?.version).toBe(baseline.version);
  });
});
