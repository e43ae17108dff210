import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { sampleWarehousePath } from "../../test/support/sample-warehouse.ts";
import { type DevServer, startDevServer } from "../../test/support/wrangler-dev-server.ts";
import { buildBundle } from "./bundle-size.ts";
import { type CpuProfile, connectInspector, sourceResolver, summarise } from "./cpu-profile.ts";
import { load } from "./load.ts";
import { seedLocalD1 } from "./seed-local-d1.ts";

// `npm run bench:profile`: where the Worker's time goes, per request, for a 1-row and a 100-row request.
// A CPU profile of the isolate (wrangler dev --inspector-port, Profiler.start/stop) under load at 8
// connections on 127.0.0.1, summarised by part of the request path. Options: --duration <s> (default 15),
// --out <dir> for the .cpuprofile files (open them in Chrome DevTools), beside the bundle and its source map.

const { values } = parseArgs({
  options: { duration: { type: "string", default: "15" }, out: { type: "string" } },
});
const duration = Math.min(60, Math.max(3, Number(values.duration)));
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
const state = mkdtempSync(join(tmpdir(), "credit-edge-profile-"));
const outdir = join(state, "bundle");
let server: DevServer | undefined;
try {
  buildBundle(wrangler, env, outdir);
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: PROJECT_ROOT,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stderr}`);
  const { clients } = await seedLocalD1({
    warehousePath: await sampleWarehousePath(),
    persistTo: state,
    limit: 1000,
  });
  // Many keys, rotated: the per-key rate limit (wrangler.toml) never trips under load.
  const keys = Array.from({ length: 1000 }, (_, i) => `profile-key-${i}-${crypto.randomUUID()}`);
  server = await startDevServer({
    env,
    bundle: outdir,
    persistTo: state,
    vars: { SCORING_API_KEYS: keys.join(","), ALLOW_PLAIN_API_KEYS: "local-dev" },
  });
  let turn = 0;
  const keyAt = () => keys[turn % keys.length]!;
  const application = (n: number) => () => ({
    key: keyAt(),
    body: JSON.stringify({
      applications: Array.from({ length: n }, () => {
        const c = clients[turn++ % clients.length]!;
        return { SK_ID_CURR: c.clientId, ...c.application };
      }),
    }),
  });
  const scenarios = [
    {
      name: "/v1/score, 1 client",
      path: "/v1/score",
      rows: 1,
      body: () => ({
        key: keyAt(),
        body: JSON.stringify({ client_id: clients[turn++ % clients.length]!.clientId }),
      }),
    },
    {
      name: "/v1/applications/score, 1 application",
      path: "/v1/applications/score",
      rows: 1,
      body: application(1),
    },
    {
      name: "/v1/applications/score, 100 applications",
      path: "/v1/applications/score",
      rows: 100,
      body: application(100),
    },
  ];
  // Warm: the model is built, code is optimised.
  for (const s of scenarios) await load(`${server.url}${s.path}`, 2, 3, s.body);
  const sourceOf = sourceResolver(join(outdir, "index.js.map"));
  const inspector = await connectInspector(server.inspectorPort);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  for (const scenario of scenarios) {
    await inspector.send("Profiler.start");
    const result = await load(`${server.url}${scenario.path}`, 8, duration, scenario.body);
    const { profile } = (await inspector.send("Profiler.stop")) as { profile: CpuProfile };
    if (values.out) {
      mkdirSync(values.out, { recursive: true });
      // The profile's frames point into the bundle: keep it and its map beside them.
      for (const file of ["index.js", "index.js.map"])
        copyFileSync(join(outdir, file), join(values.out, file));
      writeFileSync(
        join(values.out, `${scenario.name.replace(/\W+/g, "-")}.cpuprofile`),
        JSON.stringify(profile),
      );
    }
    const parts = summarise(profile, sourceOf);
    const busy = parts.filter((p) => !p.category.startsWith("(idle")).reduce((s, p) => s + p.ms, 0);
    console.log(
      `\n${scenario.name}: ${result.requests} requests in ${duration} s (${Math.round(result.requestsPerSecond)} req/s, ${result.errors} errors ${JSON.stringify(result.statuses)}); isolate busy ${(busy / result.requests).toFixed(3)} ms per request, ${((busy / result.requests / scenario.rows) * 1000).toFixed(1)} µs per row`,
    );
    console.log("  part of the request path                 ms/request   share of busy time");
    for (const p of parts.filter((q) => !q.category.startsWith("(idle")))
      console.log(
        `  ${p.category.padEnd(40)} ${(p.ms / result.requests).toFixed(4).padStart(10)}   ${((100 * p.ms) / busy).toFixed(1).padStart(5)} %`,
      );
  }
  inspector.close();
} finally {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
}
