import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { sampleWarehousePath } from "../../test/support/sample-warehouse.ts";
import { type DevServer, startDevServer } from "../../test/support/wrangler-dev-server.ts";
import { buildBundle } from "./bundle-size.ts";
import { type LoadResult, load } from "./load.ts";
import { seedLocalD1 } from "./seed-local-d1.ts";

// `npm run bench:worker`: the Worker's bundle, cold start, in-isolate scoring time and HTTP load against
// `wrangler dev --local` on 127.0.0.1, on a private local D1 seeded from the sample warehouse.
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

  const runs: (LoadResult & { endpoint: string })[] = [];
  for (const [endpoint, body] of [
    ["/v1/score", scoreBody],
    ["/v1/applications/score", applicationBody],
  ] as const) {
    for (const connections of [1, 8]) {
      console.log(`load: POST ${endpoint}, ${connections} connection(s), ${duration} s ...`);
      const logged = server.output().length;
      const result = await load(`${server.url}${endpoint}`, connections, duration, body);
      runs.push({ endpoint, ...result });
      console.log(
        `  ${round(result.requestsPerSecond, 0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.requests} requests, ${result.errors} errors (statuses ${JSON.stringify(result.statuses)}, ${result.timeouts} timeouts)`,
      );
      // What the Worker (and wrangler) said about anything that went wrong: all but routine lines.
      for (const line of server
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
  const firstMs = cold.map((c) => c.firstMs).sort((a, b) => a - b)[Math.floor(cold.length / 2)]!;
  const p50 = isolate.model_and_reasons_ms!.p50;
  const errors = runs.reduce((s, r) => s + r.errors, 0);
  console.log("\nsummary");
  console.log(`  bundle                 ${mb(bundle.bytes)} raw, ${mb(bundle.gzipBytes)} gzip`);
  console.log(
    `  first request (median) ${round(firstMs, 1)} ms   target <= 400 ms  ${firstMs <= 400 ? "ok" : "MISSED"}`,
  );
  console.log(
    `  model + reasons p50    ${round(p50, 3)} ms   target <= 0.5 ms  ${p50 <= 0.5 ? "ok" : "MISSED"}`,
  );
  console.log(`  load errors            ${errors}   target 0  ${errors === 0 ? "ok" : "MISSED"}`);
  for (const r of runs)
    console.log(
      `  ${r.endpoint.padEnd(24)} c=${r.connections}  ${String(round(r.requestsPerSecond, 0)).padStart(5)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms`,
    );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  if (errors > 0) process.exitCode = 1;
} finally {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
}
