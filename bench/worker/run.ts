import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { sampleWarehousePath } from "../../test/support/sample-warehouse.ts";
import { type DevServer, startDevServer } from "../../test/support/wrangler-dev-server.ts";
import { cpuSpent, treeCpuByName } from "../process-cpu.ts";
import { namedDescendantRss } from "../process-memory.ts";
import { buildBundle } from "./bundle-size.ts";
import { type LoadResult, load } from "./load.ts";
import { seedLocalD1 } from "./seed-local-d1.ts";

// `npm run bench:worker`: the Worker's bundle, cold start, in-isolate scoring time and HTTP load against
// `wrangler dev --local` on 127.0.0.1, on a private local D1 seeded from the sample warehouse, beside two
// reference Workers (bench/reference: one D1 read, JSON only) loaded the same way in the same run.
// Options: --duration <s> per load run (default 60, at most 60), --cold-starts <n> (3), --rounds <n> of
// in-isolate timing over 100 clients (200), --clients <n> seeded (1000), --json <file> for the figures.

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    "cold-starts": { type: "string", default: "3" },
    rounds: { type: "string", default: "200" },
    clients: { type: "string", default: "1000" },
    json: { type: "string" },
  },
});
const duration = Math.min(60, Math.max(1, Number(values.duration)));
const coldStarts = Math.max(1, Number(values["cold-starts"]));
const rounds = Math.max(1, Number(values.rounds));

const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

console.log("bundle: wrangler deploy --dry-run ...");
const state = mkdtempSync(join(tmpdir(), "credit-edge-bench-"));
const outdir = join(state, "bundle");
const bundle = buildBundle(wrangler, env, outdir);
for (const f of bundle.files)
  console.log(`  ${f.file.padEnd(60)} ${mb(f.bytes).padStart(10)} raw ${mb(f.gzipBytes).padStart(10)} gzip`);
console.log(`  total ${mb(bundle.bytes)} raw, ${mb(bundle.gzipBytes)} gzip`);

let server: DevServer | undefined;
const references: DevServer[] = [];
try {
  console.log("local D1: migrations + seed from the sample warehouse ...");
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: PROJECT_ROOT,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stderr}`);
  const { clients } = await seedLocalD1({
    warehousePath: await sampleWarehousePath(),
    persistTo: state,
    limit: Number(values.clients),
  });
  // Many keys, rotated: the per-key rate limit (wrangler.toml) stays what it is and never trips under load.
  const keys = Array.from({ length: 1000 }, (_, i) => `bench-key-${i}-${crypto.randomUUID()}`);
  // Plain keys (hence the local-dev switch), with every scope the bench routes need.
  const vars = { SCORING_API_KEYS: keys.join(","), ALLOW_PLAIN_API_KEYS: "local-dev", BENCH_ROUTES: "on" };
  let turn = 0;
  const next = () => turn++;
  const scoreBody = () => ({
    body: JSON.stringify({ client_id: clients[next() % clients.length]!.clientId }),
    key: keys[turn % keys.length]!,
  });
  const applicationBody = () => {
    const client = clients[next() % clients.length]!;
    return {
      body: JSON.stringify({ applications: [{ SK_ID_CURR: client.clientId, ...client.application }] }),
      key: keys[turn % keys.length]!,
    };
  };
  const post = (url: string, body: string) =>
    fetch(url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", authorization: `Bearer ${keys[0]}` },
    });
  await fetch("data:,warm-up-node-fetch");

  console.log(`cold start: ${coldStarts} fresh wrangler dev, first POST /v1/score ...`);
  const cold: { startupMs: number; firstMs: number; modelLoadMs: number; secondMs: number }[] = [];
  for (let i = 0; i < coldStarts; i++) {
    const fresh = await startDevServer({ env, bundle: outdir, persistTo: state, vars });
    try {
      const body = JSON.stringify({ client_id: clients[i]!.clientId });
      let t = performance.now();
      const first = await post(`${fresh.url}/v1/score`, body);
      await first.text();
      const firstMs = performance.now() - t;
      if (first.status !== 200) throw new Error(`first request answered ${first.status}`);
      t = performance.now();
      await (await post(`${fresh.url}/v1/score`, body)).text();
      // The Worker logs how long building its Scorer (ORT init, trees, TreeSHAP tables) took.
      const loaded = /"msg":"model loaded".*?"duration_ms":(\d+)/.exec(fresh.output());
      const modelLoadMs = loaded ? Number(loaded[1]) : Number.NaN;
      cold.push({ startupMs: fresh.startupMs, firstMs, modelLoadMs, secondMs: performance.now() - t });
      console.log(
        `  wrangler dev ready after ${round(fresh.startupMs, 0)} ms (model built at isolate start in ${modelLoadMs} ms); first request ${round(firstMs, 1)} ms, second ${round(cold[i]!.secondMs, 1)} ms`,
      );
    } finally {
      await fresh.stop();
    }
  }

  server = await startDevServer({ env, bundle: outdir, persistTo: state, vars });
  await (await post(`${server.url}/v1/score`, JSON.stringify({ client_id: clients[0]!.clientId }))).text();
  console.log(`in-isolate: ${rounds} rounds over 100 clients ...`);
  const isolateRes = await post(
    `${server.url}/__bench/score`,
    JSON.stringify({ client_ids: clients.slice(0, 100).map((c) => c.clientId), rounds }),
  );
  if (isolateRes.status !== 200)
    throw new Error(`bench route answered ${isolateRes.status}: ${await isolateRes.text()}`);
  const isolate = (await isolateRes.json()) as Record<
    string,
    { p50: number; p99: number; mean: number; calls: number }
  >;
  for (const [name, t] of Object.entries(isolate).filter(([, v]) => typeof v === "object"))
    console.log(
      `  ${name}: p50 ${round(t.p50, 3)} ms, p99 ${round(t.p99, 3)} ms, mean ${round(t.mean, 3)} ms (${t.calls} calls)`,
    );

  // The ceiling, from the same tools on the same machine in the same run: a Worker that makes one D1 point
  // read of the same client row (same table, same local D1 file) and one that answers constant JSON.
  const referenceConfig = join(PROJECT_ROOT, "bench", "reference", "wrangler.toml");
  const oneRead = await startDevServer({ env, persistTo: state, vars: {}, config: referenceConfig });
  references.push(oneRead);
  const json = await startDevServer({
    env,
    persistTo: state,
    vars: {},
    config: referenceConfig,
    entry: join(PROJECT_ROOT, "bench", "reference", "json-worker.ts"),
  });
  references.push(json);
  const probe = await post(`${oneRead.url}/`, JSON.stringify({ client_id: clients[0]!.clientId }));
  if (probe.status !== 200)
    throw new Error(`the one-read reference answered ${probe.status}: ${await probe.text()}`);
  await probe.text();

  const batchBody = () => {
    const applications = Array.from({ length: 100 }, () => {
      const client = clients[next() % clients.length]!;
      return { SK_ID_CURR: client.clientId, ...client.application };
    });
    return { body: JSON.stringify({ applications }), key: keys[turn % keys.length]! };
  };
  const workloads = [
    { name: "reference: JSON only", url: `${json.url}/`, body: scoreBody, rows: 1, server: json },
    { name: "reference: one D1 read", url: `${oneRead.url}/`, body: scoreBody, rows: 1, server: oneRead },
    { name: "/v1/score", url: `${server.url}/v1/score`, body: scoreBody, rows: 1, server },
    {
      name: "/v1/applications/score x1",
      url: `${server.url}/v1/applications/score`,
      body: applicationBody,
      rows: 1,
      server,
    },
    {
      name: "/v1/applications/score x100",
      url: `${server.url}/v1/applications/score`,
      body: batchBody,
      rows: 100,
      server,
    },
  ];
  const runs: (LoadResult & {
    workload: string;
    rowsPerSecond: number;
    rssStart: number | null;
    rssEnd: number | null;
    /** CPU ms per request: the server's processes by name, and this process (the load generator). */
    cpuMsPerRequest: Record<string, number>;
  })[] = [];
  // Connection counts in turn, every workload at each: the references run beside what they are compared with.
  for (const connections of [1, 8]) {
    for (const w of workloads) {
      console.log(`load: ${w.name}, ${connections} connection(s), ${duration} s ...`);
      const logged = w.server.output().length;
      const rssStart = namedDescendantRss(w.server.pid, "workerd");
      const cpuBefore = treeCpuByName(w.server.pid);
      const ownBefore = process.cpuUsage();
      const result = await load(w.url, connections, duration, w.body);
      const own = process.cpuUsage(ownBefore);
      const spent = cpuSpent(cpuBefore, treeCpuByName(w.server.pid));
      const rssEnd = namedDescendantRss(w.server.pid, "workerd");
      const perRequest = (seconds: number) => round((seconds * 1000) / Math.max(1, result.requests), 3);
      const cpuMsPerRequest = Object.fromEntries([
        ...Object.entries(spent)
          .filter(([, s]) => s > 0)
          .map(([name, s]) => [name, perRequest(s)]),
        ["load generator", perRequest((own.user + own.system) / 1e6)],
      ]);
      runs.push({
        workload: w.name,
        ...result,
        rowsPerSecond: result.requestsPerSecond * w.rows,
        rssStart,
        rssEnd,
        cpuMsPerRequest,
      });
      console.log(
        `  ${round(result.requestsPerSecond, 0)} req/s${w.rows > 1 ? ` (${round(result.requestsPerSecond * w.rows, 0)} rows/s)` : ""}, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.requests} requests, ${result.errors} errors (statuses ${JSON.stringify(result.statuses)}, ${result.timeouts} timeouts); workerd RSS ${rssStart === null ? "?" : mb(rssStart)} -> ${rssEnd === null ? "?" : mb(rssEnd)}`,
      );
      // Where the machine's CPU went: workerd runs the Worker, its D1, Queue and R2 alike; wrangler's node.
      console.log(
        `    CPU per request: ${Object.entries(cpuMsPerRequest)
          .map(([name, ms]) => `${name} ${ms} ms`)
          .join(", ")}`,
      );
      // What the Worker (and wrangler) said about anything that went wrong: all but routine lines.
      for (const line of w.server
        .output()
        .slice(logged)
        .split("\n")
        .filter((l) => l.trim() && !/"level":"info"|\[wrangler:info\] \w+ \S+ 2\d\d /.test(l))
        .slice(-5))
        console.log(`    worker log: ${line.trim().slice(0, 300)}`);
    }
  }

  const figures = {
    bundle: { bytes: bundle.bytes, gzipBytes: bundle.gzipBytes, files: bundle.files },
    coldStart: cold,
    inIsolate: isolate,
    load: runs,
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const firstMs = median(cold.map((c) => c.firstMs));
  const secondMs = median(cold.map((c) => c.secondMs));
  const p50 = isolate.model_and_reasons_ms!.p50;
  const batchedP50 = isolate.model_and_reasons_batched_ms!.p50;
  const ownRuns = runs.filter((r) => !r.workload.startsWith("reference"));
  const errors = ownRuns.reduce((s, r) => s + r.errors, 0);
  const gzipMiB = bundle.gzipBytes / 1024 / 1024;
  const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
  console.log("\nsummary");
  console.log(
    `  bundle                 ${mb(bundle.bytes)} raw, ${mb(bundle.gzipBytes)} gzip   target <= 4 MiB gzip  ${verdict(gzipMiB <= 4)}`,
  );
  // The first request of a fresh isolate, less a warm one's time: what starting the isolate adds.
  console.log(
    `  first request (median) ${round(firstMs, 1)} ms (warm ${round(secondMs, 1)} ms, cold start ${round(firstMs - secondMs, 1)} ms)   target cold start <= 100 ms  ${verdict(firstMs - secondMs <= 100)}`,
  );
  console.log(
    `  model + reasons p50    ${round(p50, 3)} ms/row single, ${round(batchedP50, 3)} ms/row in a 100-row call   target <= 0.1 ms  ${verdict(Math.min(p50, batchedP50) <= 0.1)}; batched cheaper ${verdict(batchedP50 < p50)}`,
  );
  console.log(`  load errors            ${errors}   target 0  ${verdict(errors === 0)}`);
  for (const connections of [1, 8]) {
    const at = runs.filter((r) => r.connections === connections);
    const ref = at.find((r) => r.workload === "reference: one D1 read")!;
    for (const r of at) {
      const ratio =
        r.workload.startsWith("reference") || r.workload.endsWith("x100")
          ? ""
          : `  ${round(r.requestsPerSecond / ref.requestsPerSecond, 2)}x the one-read req/s, p99 ${round(r.p99Ms / ref.p99Ms, 2)}x its p99${connections === 8 ? `  target >= 0.9x, <= 1.2x  ${verdict(r.requestsPerSecond >= 0.9 * ref.requestsPerSecond && r.p99Ms <= 1.2 * ref.p99Ms)}` : ""}`;
      const rows = r.workload.endsWith("x100")
        ? `  ${round(r.rowsPerSecond, 0)} rows/s${connections === 8 ? `  target >= 10000  ${verdict(r.rowsPerSecond >= 10_000)}` : ""}`
        : "";
      console.log(
        `  c=${connections} ${r.workload.padEnd(28)} ${String(round(r.requestsPerSecond, 0)).padStart(5)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms${ratio}${rows}`,
      );
    }
  }
  // The platform's own cost per request beside ours: locally workerd runs the Worker and its D1, Queue and R2.
  const atEight = runs.filter((r) => r.connections === 8);
  const workerdMs = (r: (typeof runs)[number]) => r.cpuMsPerRequest.workerd ?? Number.NaN;
  const oneReadRun = atEight.find((r) => r.workload === "reference: one D1 read")!;
  for (const r of atEight)
    console.log(
      `  workerd CPU per request at c=8, ${r.workload.padEnd(28)} ${String(workerdMs(r)).padStart(7)} ms${r.workload.startsWith("reference") ? "" : `  (${round(workerdMs(r) / workerdMs(oneReadRun), 2)}x the one-read Worker's)`}`,
    );
  for (const r of ownRuns.filter((r) => r.connections === 8))
    console.log(
      `  workerd RSS, ${r.workload} at c=8: ${r.rssStart === null ? "?" : mb(r.rssStart)} at the start, ${r.rssEnd === null ? "?" : mb(r.rssEnd)} after ${r.seconds} s`,
    );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  if (errors > 0) process.exitCode = 1;
} finally {
  await Promise.all([server?.stop(), ...references.map((r) => r.stop())]);
  rmSync(state, { recursive: true, force: true });
}
