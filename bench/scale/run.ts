/**
 * `npm run bench:scale`: the online store at lender scale, on the synthetic full-size warehouse (356k
 * clients), every figure measured in this run:
 * - full sync into local D1 with N = 1 and N = 4 shards: clients/s, bytes per client-version on disk,
 *   peak memory of the CLI and of workerd;
 * - remote full sync (D1's import API into standbys, and the query API) and two remote incremental syncs
 *   with 5 % of clients changed (the second as the daily run recurs: it also collects the version past
 *   --keep), through the local D1 HTTP server with --latency-ms (50) per call: wall time and calls made;
 * - the capacity table for 1 M, 10 M and 50 M clients projected from those rates, with the targets;
 * - HTTP POST /v1/score at 8 connections with a D1-stored key and a secret-configured key in one run:
 *   D1 queries per request and the req/s ratio.
 *
 *   npm run bench:scale -- [--full-warehouse <duckdb>] [--latency-ms 50] [--duration 20] [--skip local,remote,http] [--json <file>]
 *
 * The warehouse defaults to CREDIT_EDGE_BENCH_FULL_WAREHOUSE, else .credit-edge/synthetic.duckdb; make it
 * with `npm run synth -- --out .credit-edge/synthetic`, then ingest + features into that file.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { formatTable } from "../../cli/format.ts";
import { stateDir } from "../../lib/paths.ts";
import { layoutBindings } from "../../online-store/shard-layout.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { writeShardConfig } from "../../sync/target/wrangler-shard-config.ts";
import { startD1HttpServer } from "../../test/support/d1-http-server/server.ts";
import { migratedD1State, OFFLINE_WRANGLER_ENV } from "../../test/support/sync/local-d1-state.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { loadRegistry } from "../../warehouse/feature-registry.ts";
import { gib } from "../measure.ts";
import { type MeasuredRun, measuredCli } from "../measured-cli.ts";
import { capacityRow, type MeasuredRates } from "./capacity.ts";
import { compareKeyModes, type KeyModeComparison } from "./http-keys.ts";

const program = new Command("bench-scale")
  .option(
    "--full-warehouse <path>",
    "a full-size DuckDB warehouse (356k clients)",
    process.env.CREDIT_EDGE_BENCH_FULL_WAREHOUSE,
  )
  .option("--latency-ms <ms>", "added to every call of the D1 HTTP server", "50")
  .option("--duration <s>", "seconds per HTTP load run (at most 60)", "20")
  .option("--skip <parts>", "comma-separated: local, remote, http", "")
  .option("--json <file>", "write every figure as JSON")
  .parse();
const options = program.opts<{
  fullWarehouse?: string;
  latencyMs: string;
  duration: string;
  skip: string;
  json?: string;
}>();
const skip = new Set(options.skip.split(",").filter(Boolean));
const warehouse = options.fullWarehouse ?? join(stateDir(), "synthetic.duckdb");
if (!existsSync(warehouse))
  throw new Error(
    `no warehouse at ${warehouse}: npm run synth -- --out .credit-edge/synthetic, then CREDIT_EDGE_DUCKDB=${warehouse} npx credit-edge ingest --data-dir .credit-edge/synthetic && CREDIT_EDGE_DUCKDB=${warehouse} npx credit-edge features`,
  );
const latencyMs = Number(options.latencyMs);
const seconds = Math.min(60, Math.max(1, Number(options.duration)));
const SHARDS = 4;
const CHANGED_SHARE = 0.05;
const KEEP = 3;
const env = { ...process.env, ...OFFLINE_WRANGLER_ENV };
const work = mkdtempSync(join(tmpdir(), "credit-edge-bench-scale-"));
const configs: string[] = [];
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const rate = (n: number) => Math.round(n).toLocaleString("en-US");

/** A private copy of the warehouse (DuckDB locks the file; the incremental run changes its copy). */
function warehouseCopy(name: string): string {
  const copy = join(work, `${name}.duckdb`);
  copyFileSync(warehouse, copy);
  return copy;
}

async function schemaOf(path: string): Promise<string> {
  const w = await DuckDbWarehouse.open({ path });
  try {
    return (await loadRegistry(w)).schemaHash;
  } finally {
    await w.close();
  }
}

interface LocalRun {
  shards: number;
  run: MeasuredRun<SyncReport>;
  status: SyncStatus;
  state: string;
  config: string | undefined;
}

async function localSync(shards: number, source: string): Promise<LocalRun> {
  const config = shards > 1 ? writeShardConfig(`bench-scale-${shards}`, { shards }) : undefined;
  if (config) configs.push(config);
  const state = await migratedD1State(join(work, `local-${shards}`), config);
  const flags = ["--persist-to", state, ...(config ? ["--config", config] : [])];
  console.log(`local full sync, ${shards} shard(s) ...`);
  const run = await measuredCli<SyncReport>(["sync", "--json", ...flags], { CREDIT_EDGE_DUCKDB: source });
  const status = (await measuredCli<SyncStatus>(["sync", "status", "--json", ...flags], {})).result;
  console.log(
    `  ${rate(run.result.rows)} clients in ${run.wallSeconds.toFixed(1)} s wall (${run.result.seconds.toFixed(1)} s sync): ${rate(run.result.clientsPerSecond)} clients/s, ${status.active?.bytes_per_client} bytes per client-version, peak RSS CLI ${gib(run.peakRss.cli)}, workerd ${gib(run.peakRss.workerd)}`,
  );
  return { shards, run, status, state, config };
}

interface RemoteRun {
  label: string;
  report: SyncReport;
  wallSeconds: number;
  calls: number;
  serverCalls: number;
}

async function remoteSyncs(source: string): Promise<RemoteRun[]> {
  const ACCOUNT = "0123456789abcdef0123456789abcdef";
  const TOKEN = randomUUID();
  const CONTROL = randomUUID();
  const config = writeShardConfig("bench-scale-remote", {
    shards: SHARDS,
    standby: true,
    databaseId: () => randomUUID(),
  });
  configs.push(config);
  const d1 = await readWranglerD1Config(config);
  const state = await migratedD1State(join(work, "remote"), config);
  const bindings = layoutBindings(d1.layout);
  const server = await startD1HttpServer({
    accountId: ACCOUNT,
    token: TOKEN,
    persistRoot: state,
    latencyMs,
    databases: Object.fromEntries(
      bindings.map((b) => [
        b === "DB" ? CONTROL : d1.databases.get(b)!.databaseId!,
        d1.databases.get(b)!.localDatabaseId,
      ]),
    ),
  });
  const remoteEnv = {
    CREDIT_EDGE_DUCKDB: source,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    CLOUDFLARE_D1_DATABASE_ID: CONTROL,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_API_BASE_URL: server.apiBase,
    CREDIT_EDGE_SYNC_GC_GRACE_SECONDS: "0",
  };
  const runs: RemoteRun[] = [];
  const run = async (label: string, args: string[], extraEnv: Record<string, string> = {}) => {
    console.log(`remote ${label}, ${SHARDS} shards, ${latencyMs} ms per call ...`);
    const before = server.requests.length;
    const measured = await measuredCli<SyncReport>(
      ["sync", "--target", "remote", "--json", "--keep", String(KEEP), "--config", config, ...args],
      { ...remoteEnv, ...extraEnv },
    );
    const report = measured.result;
    const calls = report.calls.query + report.calls.import;
    runs.push({
      label,
      report,
      wallSeconds: measured.wallSeconds,
      calls,
      serverCalls: server.requests.length - before,
    });
    const changed = report.changes
      ? `, ${rate(report.changes.updated + report.changes.added + report.changes.removed)} changed`
      : "";
    const collected = report.gc?.deletedVersions.length
      ? `, collected version(s) ${report.gc.deletedVersions.join(", ")}`
      : "";
    console.log(
      `  ${rate(report.rows)} clients in ${measured.wallSeconds.toFixed(1)} s wall (${report.load}${changed}${collected}): ${calls} calls (${report.calls.query} query, ${report.calls.import} import)`,
    );
  };
  try {
    await run("full sync (import API into standbys)", ["--load", "import"]);
    await run("full sync (query API)", ["--load", "query"]);
    // 5 % of the clients change: one history feature moves for every twentieth client.
    const changed = warehouseCopy("changed");
    const w = await DuckDbWarehouse.open({ path: changed });
    try {
      const registry = await loadRegistry(w);
      const feature = registry.features.find((x) => x.group === "history")!.name;
      await w.query(
        `UPDATE client_features SET ${feature} = COALESCE(${feature}, 0) + 1 WHERE hash(SK_ID_CURR) % 20 = 0`,
      );
    } finally {
      await w.close();
    }
    await run(`incremental sync (${CHANGED_SHARE * 100} % changed)`, ["--incremental"], {
      CREDIT_EDGE_DUCKDB: changed,
    });
    // The daily run as it recurs: the same clients change back, and the version past --keep is collected.
    await run(
      `incremental sync (${CHANGED_SHARE * 100} % changed, steady state: collects the version past --keep)`,
      ["--incremental"],
      { CREDIT_EDGE_DUCKDB: source },
    );
  } finally {
    await server.close();
  }
  return runs;
}

const figures: Record<string, unknown> = { warehouse, latencyMs, shards: SHARDS };
try {
  const source = warehouseCopy("source");
  const schemaHash = await schemaOf(source);
  let locals: LocalRun[] = [];
  if (!skip.has("local") || !skip.has("http"))
    locals = [await localSync(1, source), await localSync(SHARDS, source)];
  figures.local = locals.map((l) => ({
    shards: l.shards,
    clients: l.run.result.rows,
    wallSeconds: l.run.wallSeconds,
    syncSeconds: l.run.result.seconds,
    clientsPerSecond: l.run.result.clientsPerSecond,
    bytesPerClientVersion: l.status.active?.bytes_per_client,
    shardBytes: l.status.active?.shards.map((s) => s.bytes),
    peakRss: l.run.peakRss,
  }));

  let remote: RemoteRun[] = [];
  if (!skip.has("remote")) remote = await remoteSyncs(source);
  figures.remote = remote.map((r) => ({
    label: r.label,
    load: r.report.load,
    clients: r.report.rows,
    wallSeconds: r.wallSeconds,
    calls: r.calls,
    queryCalls: r.report.calls.query,
    importCalls: r.report.calls.import,
    changes: r.report.changes,
  }));

  let http: KeyModeComparison | undefined;
  const sharded = locals.find((l) => l.shards === SHARDS);
  if (!skip.has("http") && sharded) {
    console.log(`HTTP POST /v1/score, 8 connections, ${seconds} s per run, ${SHARDS} local shards ...`);
    http = await compareKeyModes({
      state: sharded.state,
      config: sharded.config!,
      schemaHash,
      seconds,
      connections: 8,
      env,
    });
    figures.http = http;
  }

  console.log("\nsummary");
  if (locals.length > 0)
    console.log(
      formatTable(
        [
          "local full sync",
          "clients",
          "wall s",
          "clients/s",
          "bytes/client-version",
          "peak RSS CLI",
          "peak RSS workerd",
        ],
        locals.map((l) => [
          `N = ${l.shards}`,
          rate(l.run.result.rows),
          l.run.wallSeconds.toFixed(1),
          rate(l.run.result.clientsPerSecond),
          l.status.active?.bytes_per_client ?? "",
          mib(l.run.peakRss.cli),
          mib(l.run.peakRss.workerd),
        ]),
      ),
    );
  if (remote.length > 0)
    console.log(
      formatTable(
        [`remote, ${latencyMs} ms/call`, "clients", "wall s", "calls", "query", "import"],
        remote.map((r) => [
          r.label,
          rate(r.report.rows),
          r.wallSeconds.toFixed(1),
          r.calls,
          r.report.calls.query,
          r.report.calls.import,
        ]),
      ),
    );
  const full = remote.find((r) => r.report.load === "import");
  // The projection uses the steady-state run (the last), which also collects garbage.
  const incremental = remote.filter((r) => r.report.mode === "incremental").at(-1);
  const bytes = sharded?.status.active?.bytes_per_client;
  if (full && incremental && bytes) {
    const rates: MeasuredRates = {
      bytesPerClientVersion: bytes,
      versionsPerDatabase: KEEP + 1,
      fullClientsPerSecond: full.report.rows / full.wallSeconds,
      incrementalSecondsPerClient: incremental.wallSeconds / incremental.report.rows,
      changedShare: CHANGED_SHARE,
    };
    const rows = [1e6, 10e6, 20e6, 50e6].map((n) => capacityRow(n, rates));
    figures.capacity = { rates, rows };
    const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
    console.log(
      formatTable(
        [
          "clients",
          "shards",
          "one version",
          `stored (${KEEP + 1} versions)`,
          "full load h",
          "5 % incremental min",
        ],
        rows.map((r) => [
          rate(r.clients),
          r.shards,
          gb(r.bytesPerVersion),
          gb(r.bytesStored),
          r.fullLoadHours.toFixed(2),
          r.incrementalMinutes.toFixed(1),
        ]),
      ),
    );
    const twenty = rows.find((r) => r.clients === 20e6)!;
    console.log(
      `  20 M full load ${twenty.fullLoadHours.toFixed(2)} h   target <= 4 h   ${twenty.fullLoadHours <= 4 ? "ok" : "MISSED"}`,
    );
    console.log(
      `  20 M 5 % incremental ${twenty.incrementalMinutes.toFixed(1)} min   target <= 30 min   ${twenty.incrementalMinutes <= 30 ? "ok" : "MISSED"}`,
    );
  }
  if (http) {
    console.log(
      `  /v1/score, 8 connections: secret key ${Math.round(http.secretRequestsPerSecond)} req/s, D1-stored key ${Math.round(http.d1RequestsPerSecond)} req/s: ratio ${http.ratio.toFixed(3)} (target >= 0.95 ${http.ratio >= 0.95 ? "ok" : "MISSED"}); D1 queries per request ${http.queriesPerRequest.secret.toFixed(3)} / ${http.queriesPerRequest.d1.toFixed(3)} (must be 1 ${http.queriesPerRequest.secret === 1 && http.queriesPerRequest.d1 === 1 ? "ok" : "MISSED"})`,
    );
  }
  if (options.json) writeFileSync(options.json, `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  for (const config of configs) rmSync(config, { force: true });
  rmSync(work, { recursive: true, force: true });
}
