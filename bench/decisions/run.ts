import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_SKIP_RECORD_HEADER } from "../../decisions/worker/bench-header.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { sampleWarehousePath } from "../../test/support/sample-warehouse.ts";
import { migratedD1State } from "../../test/support/sync/local-d1-state.ts";
import { type DevServer, startDevServer } from "../../test/support/wrangler-dev-server.ts";
import { buildBundle } from "../worker/bundle-size.ts";
import { seedLocalD1 } from "../worker/seed-local-d1.ts";
import { benchMonitor } from "./monitor-bench.ts";

// `npm run bench:decisions`: what recording costs and carries, against `wrangler dev --local` on 127.0.0.1.
// 1. Added latency: POST /v1/score at 1 connection, requests with and without their record interleaved on
//    one server (the bench-only skip header), in best-effort and in required mode: p50 / p99 of each.
// 2. Throughput: /v1/score/batch under load (8 connections), every record through the local Queue into R2,
//    then `decisions pull` until count in = count pulled (or it gives up and says how many are missing).
// 3. `monitor` on --monitor-rows synthetic decisions (default 1,000,000): wall time and peak RSS.
// Options: --requests <n> per arm (2000), --duration <s> of the load (20, at most 60), --monitor-rows <n>,
// --skip-monitor, --json <file>.

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    duration: { type: "string", default: "20" },
    "monitor-rows": { type: "string", default: "1000000" },
    "skip-monitor": { type: "boolean", default: false },
    only: { type: "string" },
    json: { type: "string" },
  },
});
const perArm = Math.max(50, Number(values.requests));
const duration = Math.min(60, Math.max(1, Number(values.duration)));
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
const ms = (x: number) => Number(x.toFixed(3));

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

async function latencyArms(server: DevServer, keys: readonly string[], ids: readonly number[]) {
  let turn = 0;
  const arms = { recorded: [] as number[], skipped: [] as number[] };
  const post = async (id: number, skip: boolean) => {
    const t = performance.now();
    const res = await fetch(`${server.url}/v1/score`, {
      method: "POST",
      body: JSON.stringify({ client_id: id }),
      headers: {
        "content-type": "application/json",
        // Keys rotate: the per-key rate limit (600/min) stays as configured and never trips.
        authorization: `Bearer ${keys[turn++ % keys.length]}`,
        ...(skip ? { [BENCH_SKIP_RECORD_HEADER]: "1" } : {}),
      },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/v1/score answered ${res.status}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 100; i++) await post(ids[i % ids.length]!, i % 2 === 0); // warm
  for (let i = 0; i < perArm * 2; i++) {
    // Alternate which arm goes first in each pair, so neither always follows the other.
    const skipFirst = Math.floor(i / 2) % 2 === 0;
    const skip = i % 2 === 0 ? skipFirst : !skipFirst;
    (skip ? arms.skipped : arms.recorded).push(await post(ids[i % ids.length]!, skip));
  }
  const summary = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50: ms(percentile(s, 0.5)), p99: ms(percentile(s, 0.99)), n: s.length };
  };
  const recorded = summary(arms.recorded);
  const skipped = summary(arms.skipped);
  return {
    recorded,
    without: skipped,
    added_p50_ms: ms(recorded.p50 - skipped.p50),
    added_p99_ms: ms(recorded.p99 - skipped.p99),
  };
}

function pull(state: string, home: string): { pulled: number } {
  const run = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), "decisions", "pull", "--persist-to", state, "--json"],
    {
      cwd: PROJECT_ROOT,
      env: {
        ...env,
        CREDIT_EDGE_HOME: home,
        CREDIT_EDGE_DUCKDB: join(home, "decisions.duckdb"),
        CREDIT_EDGE_PROGRESS: "none",
      },
      encoding: "utf8",
    },
  );
  if (run.status !== 0) throw new Error(`decisions pull failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const home = mkdtempSync(join(tmpdir(), "credit-edge-bench-decisions-"));
const figures: Record<string, unknown> = {};
let server: DevServer | undefined;
try {
  console.log("bundle: wrangler deploy --dry-run ...");
  const outdir = join(home, "bundle");
  buildBundle(wrangler, env, outdir);
  const state = join(home, "state");
  await migratedD1State(state);
  const { clients } = await seedLocalD1({
    warehousePath: await sampleWarehousePath(),
    persistTo: state,
    limit: 1000,
  });
  const ids = clients.map((c) => c.clientId);
  const keys = Array.from({ length: 1000 }, (_, i) => `bench-key-${i}-${crypto.randomUUID()}`);
  const vars = { SCORING_API_KEYS: keys.join(","), ALLOW_PLAIN_API_KEYS: "local-dev", BENCH_ROUTES: "on" };

  const run = (part: string) => !values.only || values.only === part;
  for (const mode of run("latency") ? (["best-effort", "required"] as const) : []) {
    console.log(
      `latency, DECISION_RECORDS=${mode}: ${perArm} requests with and ${perArm} without their record, interleaved ...`,
    );
    // Its own copy of the state: the latency runs' records do not count in the throughput run.
    cpSync(state, join(home, `latency-${mode}`), { recursive: true });
    server = await startDevServer({
      env,
      bundle: outdir,
      persistTo: join(home, `latency-${mode}`),
      vars: { ...vars, DECISION_RECORDS: mode },
    });
    const arms = await latencyArms(server, keys, ids);
    figures[`latency_${mode}`] = arms;
    console.log(
      `  with record p50 ${arms.recorded.p50} ms p99 ${arms.recorded.p99} ms; without p50 ${arms.without.p50} ms p99 ${arms.without.p99} ms; added p50 ${arms.added_p50_ms} ms, p99 ${arms.added_p99_ms} ms`,
    );
    await server.stop();
    server = undefined;
  }

  if (run("throughput")) {
    console.log(`throughput: POST /v1/score/batch (20 clients each), 8 connections, ${duration} s ...`);
    server = await startDevServer({ env, bundle: outdir, persistTo: state, vars });
    // Eight sequential senders for the duration; a request in flight at the end is awaited and counted, so
    // "records sent" is exactly what the Worker answered 200 for.
    let turn = 0;
    let ok = 0;
    let failed = 0;
    const started = performance.now();
    const deadline = started + duration * 1000;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() < deadline) {
          const t = turn++;
          const batch = Array.from({ length: 20 }, (_, i) => ids[(t * 20 + i) % ids.length]!);
          const res = await fetch(`${server!.url}/v1/score/batch`, {
            method: "POST",
            body: JSON.stringify({ client_ids: batch }),
            headers: { "content-type": "application/json", authorization: `Bearer ${keys[t % keys.length]}` },
          });
          await res.arrayBuffer();
          if (res.status === 200) ok++;
          else failed++;
        }
      }),
    );
    const loadSeconds = (performance.now() - started) / 1000;
    const sent = ok * 20;
    console.log(
      `  ${ok} batches answered 200 (${failed} not): ${sent} records sent in ${loadSeconds.toFixed(1)} s`,
    );
    let pulled = 0;
    let drained = loadSeconds;
    for (let attempt = 0; attempt < 60 && pulled < sent; attempt++) {
      pulled += pull(state, home).pulled;
      drained = (performance.now() - started) / 1000;
      if (pulled < sent) await new Promise((r) => setTimeout(r, 1000));
    }
    const lost = sent - pulled;
    figures.throughput = {
      batches: ok,
      errors: failed,
      records_sent: sent,
      records_pulled: pulled,
      lost,
      load_seconds: loadSeconds,
      records_per_second_answered: sent / loadSeconds,
      records_per_second_into_r2: pulled / drained,
      drained_seconds: drained,
    };
    console.log(
      `  pulled ${pulled} of ${sent} (lost ${lost}); ${(sent / loadSeconds).toFixed(0)} records/s answered, ${(pulled / drained).toFixed(0)} records/s into R2 and pulled (all in ${drained.toFixed(1)} s)`,
    );
    await server.stop();
    server = undefined;
  }

  if (run("monitor") && !values["skip-monitor"]) {
    figures.monitor = await benchMonitor(Number(values["monitor-rows"]), home);
  }

  console.log("\nsummary");
  for (const mode of ["best-effort", "required"]) {
    const l = figures[`latency_${mode}`] as Awaited<ReturnType<typeof latencyArms>> | undefined;
    if (!l) continue;
    console.log(
      `  added latency (${mode})  p50 ${l.added_p50_ms} ms  p99 ${l.added_p99_ms} ms   target p50 <= 0.2 ms  ${l.added_p50_ms <= 0.2 ? "ok" : "MISSED"}`,
    );
  }
  const t = figures.throughput as { lost: number; records_per_second_into_r2: number };
  console.log(
    `  records into R2           ${t.records_per_second_into_r2.toFixed(0)}/s, lost ${t.lost}   target 0 lost  ${t.lost === 0 ? "ok" : "MISSED"}`,
  );
  if (figures.monitor) {
    const m = figures.monitor as { rows: number; seconds: number; peak_rss_mib: number };
    console.log(
      `  monitor on ${m.rows} decisions  ${m.seconds.toFixed(1)} s, peak RSS ${m.peak_rss_mib} MiB   target <= 60 s  ${m.seconds <= 60 ? "ok" : "MISSED"}`,
    );
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await server?.stop();
  rmSync(home, { recursive: true, force: true });
}
