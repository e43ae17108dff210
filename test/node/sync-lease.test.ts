import { randomUUID } from "node:crypto";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { WRANGLER_CONFIG } from "../../sync/open.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { LEASE_HELD_EXIT_CODE } from "../../sync/store/lease.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { type D1HttpServer, startD1HttpServer } from "../support/d1-http-server/server.ts";
import { openD1Reader } from "../support/sync/local-d1-state.ts";
import { type SyncFixture, syncFixture } from "../support/sync/sync-fixture.ts";
import { CliProcess, runCliToEnd } from "../support/sync/sync-process.ts";
import { workerOnlineStore } from "../support/sync/worker-store.ts";

// The sync's lease and garbage collection against the failures a second sync, a lost answer and a wrong
// clock produce (issue 11, section 4), with real CLIs interleaved deterministically through the D1 HTTP
// stand-in (requests held, processes stopped), and against a local D1 shared by two CLIs.

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const DATABASE = randomUUID();
const TOKEN = randomUUID();
/** Short enough to wait out, long enough for a CLI to start within it. */
const LEASE_TTL_MS = 4_000;

let f: SyncFixture;
let server: D1HttpServer;
let remote: Record<string, string>;
let reader: Awaited<ReturnType<typeof openD1Reader>>;
const children: CliProcess[] = [];
const track = (child: CliProcess) => {
  children.push(child);
  return child;
};

async function remoteStatus(): Promise<SyncStatus> {
  const run = await runCliToEnd(["sync", "status", "--target", "remote", "--json"], remote);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as SyncStatus;
}

/** Resolves once `test` is true, checking every 50 ms (at most 60 s). */
async function until(test: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; !(await test()); waited += 50) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A promise and its release, for holding one request at the stand-in. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

beforeAll(async () => {
  f = await syncFixture("sync-lease");
  const { localDatabaseId } = await readWranglerD1Config(WRANGLER_CONFIG);
  server = await startD1HttpServer({
    accountId: ACCOUNT,
    databaseId: DATABASE,
    token: TOKEN,
    persistRoot: f.state,
    localDatabaseId,
  });
  remote = {
    ...f.env,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    CLOUDFLARE_D1_DATABASE_ID: DATABASE,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_API_BASE_URL: server.apiBase,
    CREDIT_EDGE_SYNC_LEASE_TTL_MS: String(LEASE_TTL_MS),
    CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "0",
  };
  reader = await openD1Reader(f.state);
  const baseline = await runCliToEnd(["sync", "--target", "remote", "--json"], remote);
  expect(baseline.code, baseline.stderr).toBe(0);
});

afterEach(async () => {
  server.hold = null;
  server.faults.clear();
  for (const child of children.splice(0)) {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await child.exited;
  }
  // A killed holder's lease would outlive it by its TTL: the next test starts with the lease free.
  await reader.db.prepare("DELETE FROM sync_leases").run();
});

afterAll(async () => {
  await reader?.close();
  await server?.close();
  f?.cleanup();
});

/** The listing garbage collection starts with: every version, no WHERE (nothing else in a run reads that). */
const isGcListing = (sqls: readonly string[]) =>
  sqls.length === 1 && /^select .* from "feature_sets"$/i.test(sqls[0]!.trim());
const isActivation = (sqls: readonly string[]) =>
  sqls.some((s) => /insert into "active_feature_sets"/i.test(s));

describe("two syncs racing", () => {
  it("the first, past its lease, collects garbage after the second took over: it deletes nothing of the second's, which activates a complete version", async () => {
    // Sync A runs to its garbage collection; there it is held, and its process stopped (its lease expires).
    const listingHeld = gate();
    let aReachedGc = false;
    server.hold = ({ sqls }) => {
      if (!aReachedGc && isGcListing(sqls)) {
        aReachedGc = true;
        return listingHeld.promise;
      }
      return null;
    };
    const a = track(new CliProcess(["sync", "--target", "remote", "--keep", "1", "--json"], remote));
    await until(() => aReachedGc, "sync A's garbage collection");
    a.kill("SIGSTOP");
    await until(async () => {
      const lease = await reader.db
        .prepare("SELECT expires_at FROM sync_leases")
        .first<{ expires_at: number }>();
      return !lease || lease.expires_at < Date.now() - 200;
    }, "A's lease to expire");

    // Sync B takes the lease over, writes and verifies its version, and is held just before activating it.
    const activationHeld = gate();
    let bActivating = false;
    server.hold = ({ sqls }) => {
      if (!bActivating && isActivation(sqls)) {
        bActivating = true;
        return activationHeld.promise;
      }
      return null;
    };
    // B reads its own copy of the warehouse: the stopped A still holds DuckDB's lock on the file.
    const copy = join(f.dir, "warehouse-b.duckdb");
    copyFileSync(f.warehouse, copy);
    const b = track(
      new CliProcess(["sync", "--target", "remote", "--json"], { ...remote, CREDIT_EDGE_DUCKDB: copy }),
    );
    const bVersion = Number((await b.waitFor((l) => l.event === "sync.version_created")).version);
    await until(() => bActivating, "sync B's activation");

    // A wakes up and collects garbage: B's verified, not yet active version is beyond its --keep 1.
    server.hold = null;
    a.kill("SIGCONT");
    listingHeld.open();
    const aExit = await a.exited;
    expect(aExit.code, a.stderr).toBe(0);
    const stored = await reader.db
      .prepare("SELECT COUNT(*) AS n FROM client_vectors WHERE feature_set_id = ?")
      .bind(bVersion)
      .first<{ n: number }>();
    const record = await reader.db
      .prepare("SELECT status FROM feature_sets WHERE id = ?")
      .bind(bVersion)
      .first();
    // What A did: nothing to B's version. It found its lease gone and stopped collecting.
    expect(record).toMatchObject({ status: "ready" });
    expect(a.lines.some((l) => l.event === "sync.gc_failed" && /lease/.test(String(l.message)))).toBe(true);

    activationHeld.open();
    const bExit = await b.exited;
    expect(bExit.code, b.stderr).toBe(0);
    const report = JSON.parse(b.stdout) as SyncReport;
    expect(report.version).toBe(bVersion);
    expect(stored?.n).toBe(report.rows);

    // Scores find the activated version and its rows.
    const status = await remoteStatus();
    expect(status.active).toMatchObject({ version: bVersion, rows: report.rows });
    const client = await reader.db
      .prepare("SELECT client_id FROM client_vectors WHERE feature_set_id = ? LIMIT 1")
      .bind(bVersion)
      .first<{ client_id: number }>();
    const store = await workerOnlineStore(reader.db);
    const lookup = await store.client(report.schemaHash, client!.client_id);
    expect(lookup?.featureSet.id).toBe(bVersion);
    expect(lookup?.vectors.size).toBe(1);
  });
});

describe("a retried lease acquisition", () => {
  it("whose first attempt landed but whose answer was lost counts as acquired by the same holder", async () => {
    server.faults.add({
      status: 503,
      code: 7500,
      message: "the connection was reset after the statement ran",
      when: "after",
      matches: (sqls) => sqls.some((s) => /^insert into "?sync_leases"?/i.test(s)),
    });
    const run = await runCliToEnd(["sync", "--target", "remote", "--json"], remote);
    expect(server.faults.pending).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.filter((l) => l.event === "sync.retry")).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: "activated", tookOverLeaseFrom: null });
    expect((await remoteStatus()).lease).toBeNull();
  });
});

describe("a host whose clock is wrong", () => {
  it("running 90 s fast cannot take over a live lease: expiry is D1's time", async () => {
    const running = track(
      new CliProcess(["sync", "--target", "remote", "--page-size", "4"], {
        ...remote,
        CREDIT_EDGE_SYNC_LEASE_TTL_MS: "60000",
        CREDIT_EDGE_SYNC_IN_FLIGHT: "1",
      }),
    );
    const holder = (await running.waitFor((l) => l.event === "sync.lease_acquired")).holder;
    await running.waitFor((l) => l.event === "sync.version_created");
    const skewed = await runCliToEnd(["sync", "--target", "remote"], {
      ...remote,
      CREDIT_EDGE_SYNC_LEASE_TTL_MS: "60000",
      CREDIT_EDGE_TEST_CLOCK_SKEW_MS: "90000",
      NODE_OPTIONS: `--import=${join(PROJECT_ROOT, "test", "support", "sync", "skewed-clock.mjs")}`,
    });
    expect(skewed.code, skewed.stderr).toBe(LEASE_HELD_EXIT_CODE);
    expect(skewed.stderr).toContain(`another sync holds the lease: ${holder}`);
    // The first sync was left alone: it still holds its lease.
    expect((await remoteStatus()).lease?.holder).toBe(holder);
  });

  it("running 90 s slow cannot keep a lease alive past its time: an expired lease is free to take", async () => {
    // A crashed holder whose clock ran slow: by its own clock its lease had 60 s left; by D1's it is over.
    await reader.db
      .prepare(
        "INSERT INTO sync_leases (name, holder, acquired_at, expires_at) VALUES ('feature-sync', 'slow-host:1:dead', ?, ?)",
      )
      .bind(new Date(Date.now() - 30_000).toISOString(), Date.now() - 1_000)
      .run();
    const skewed = await runCliToEnd(["sync", "--target", "remote", "--json"], {
      ...remote,
      CREDIT_EDGE_TEST_CLOCK_SKEW_MS: "-90000",
      NODE_OPTIONS: `--import=${join(PROJECT_ROOT, "test", "support", "sync", "skewed-clock.mjs")}`,
    });
    expect(skewed.code, skewed.stderr).toBe(0);
    expect(JSON.parse(skewed.stdout).tookOverLeaseFrom).toBe("slow-host:1:dead");
  });
});

describe("garbage collection's grace period", () => {
  it("keeps a superseded version's rows until the grace period, counted on D1's clock, has passed", async () => {
    const graced = { ...remote, CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "4" };
    const first = JSON.parse(
      (await runCliToEnd(["sync", "--target", "remote", "--keep", "1", "--json"], graced)).stdout,
    ) as SyncReport;
    const second = JSON.parse(
      (await runCliToEnd(["sync", "--target", "remote", "--keep", "1", "--json"], graced)).stdout,
    ) as SyncReport;
    expect(second.previousVersion).toBe(first.version);
    expect(second.gc?.inGrace).toContain(first.version);
    expect(second.gc?.deletedVersions).not.toContain(first.version);
    const rows = await reader.db
      .prepare("SELECT COUNT(*) AS n FROM client_vectors WHERE feature_set_id = ?")
      .bind(first.version)
      .first<{ n: number }>();
    expect(rows?.n).toBe(first.rows);
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const third = JSON.parse(
      (await runCliToEnd(["sync", "--target", "remote", "--keep", "1", "--json"], graced)).stdout,
    ) as SyncReport;
    expect(third.gc?.deletedVersions).toContain(first.version);
    expect(third.gc?.inGrace).toContain(second.version);
  });
});
