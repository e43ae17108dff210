import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../lib/errors.ts";
import { ARTIFACTS_DIR, PROJECT_ROOT, SAMPLE_DATA_DIR, stateDir } from "../../lib/paths.ts";
import { Fingerprint, StepCache } from "../../lib/step-cache.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { positiveInteger } from "../../sync/settings.ts";
import { duckDbPath } from "../../warehouse/config.ts";
import { runAction } from "../run-action.ts";
import { LOCAL_DEV_KEY, PLAIN_KEYS_VAR } from "./keys.ts";

const PORT = 8787;

/** Run a command as a child, output passed through; a failure stops `start` with its exit code. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new UserError(`\`${[command, ...args].join(" ")}\` failed`, code ?? 1)),
    );
  });
}

const cli = (args: readonly string[]) =>
  run(process.execPath, [join(PROJECT_ROOT, "bin", "credit-edge.mjs"), ...args]);
const wrangler = (args: readonly string[]) =>
  run(process.execPath, [join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"), ...args], {
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
  });

function say(text: string): void {
  process.stdout.write(`\n▶ ${text}\n`);
}

/** The feature schema the warehouse holds now (a quick read of its registry). */
async function warehouseSchemaHash(): Promise<string> {
  const { openWarehouse } = await import("../../warehouse/config.ts");
  const { loadRegistry } = await import("../../warehouse/feature-registry.ts");
  const warehouse = await openWarehouse("duckdb");
  try {
    return (await loadRegistry(warehouse)).schemaHash;
  } finally {
    await warehouse.close();
  }
}

/**
 * The local stack on the embedded defaults, each step skipped when its inputs did not change since the
 * last run: ingest the sample, build features, use the committed model (train only if the features no
 * longer match it), apply the D1 migrations, sync into local D1, then serve the API with wrangler dev.
 */
async function start(options: { dataDir: string; serve: boolean; shards: number }): Promise<void> {
  const cache = new StepCache(join(stateDir(), "start-steps.json"));
  const step = async (name: string, fingerprint: string, what: string, action: () => Promise<void>) => {
    if (cache.isFresh(name, fingerprint)) {
      say(`${what}: up to date, skipped`);
      return;
    }
    say(what);
    cache.forget(name);
    await action();
    cache.record(name, fingerprint);
  };

  const warehouseExists = () => `${duckDbPath()}:${existsSync(duckDbPath())}`;
  const ingested = new Fingerprint()
    .listing(options.dataDir)
    .value(warehouseExists())
    .sources(join(PROJECT_ROOT, "warehouse"), /^(tables|source-files|ingest)\.ts$|duckdb-warehouse\.ts$/)
    .sources(join(PROJECT_ROOT, "features", "application"), /columns\.ts$/)
    .digest();
  await step("ingest", ingested, `ingest ${options.dataDir} into the DuckDB warehouse`, () =>
    cli(["ingest", "--data-dir", options.dataDir]),
  );

  const built = new Fingerprint()
    .value(ingested)
    .sources(join(PROJECT_ROOT, "warehouse"), /\.(sql|ts)$/)
    .sources(join(PROJECT_ROOT, "features"), /\.ts$/)
    .digest();
  await step("features", built, "build the client feature table and the feature registry", () =>
    cli(["features"]),
  );

  const card = JSON.parse(readFileSync(join(ARTIFACTS_DIR, "model.json"), "utf8")) as ModelCard;
  const schema = await warehouseSchemaHash();
  if (schema === card.feature_schema_hash) {
    say(
      `model ${card.version}: the committed model matches the features (schema ${schema}), no training needed`,
    );
  } else {
    say(
      `the committed model was trained on schema ${card.feature_schema_hash}, the warehouse has ${schema}: training`,
    );
    await cli(["train"]);
  }

  // The online store's layout: wrangler.toml (one database) or a generated config with N shard bindings.
  const { layoutBindings } = await import("../../online-store/shard-layout.ts");
  const { readWranglerD1Config } = await import("../../sync/target/wrangler-d1-config.ts");
  const config =
    options.shards > 1
      ? (await import("../../sync/target/wrangler-shard-config.ts")).writeShardConfig(
          `shards-${options.shards}`,
          {
            shards: options.shards,
          },
        )
      : join(PROJECT_ROOT, "wrangler.toml");
  const configArgs = options.shards > 1 ? ["--config", config] : [];
  const bindings = layoutBindings((await readWranglerD1Config(config)).layout);
  const migrated = new Fingerprint()
    .sources(join(PROJECT_ROOT, "migrations"), /\.sql$/)
    .value(String(existsSync(join(PROJECT_ROOT, ".wrangler", "state"))))
    .value(bindings.join(","))
    .digest();
  const where =
    options.shards > 1
      ? `the ${bindings.length} local D1 databases (control and ${options.shards} shards)`
      : "the local database";
  await step("migrations", migrated, `apply the D1 migrations to ${where}`, async () => {
    for (const binding of bindings)
      await wrangler(["d1", "migrations", "apply", binding, "--local", ...configArgs]);
  });

  const synced = new Fingerprint()
    .value(built)
    .value(migrated)
    .value(schema)
    .value(String(options.shards))
    .digest();
  const into = options.shards > 1 ? `${options.shards} local D1 shards` : "the local D1";
  await step("sync", synced, `sync the client features into ${into}`, () =>
    cli(["sync", "--target", "local", ...configArgs]),
  );

  await cli(["keys", "dev-vars"]);
  if (!options.serve) return;

  const example = JSON.stringify({ client_id: 100002, loan: { amount: 500000, annuity: 25000 } });
  say(
    [
      `serving the API on http://localhost:${PORT}${options.shards > 1 ? ` over ${options.shards} shards (${basename(config)})` : ""} (Ctrl-C stops it). Try:`,
      `  curl -s localhost:${PORT}/ready`,
      `  curl -s -X POST localhost:${PORT}/v1/score -H 'Authorization: Bearer ${LOCAL_DEV_KEY}' -H 'Content-Type: application/json' -d '${example}'`,
      `  API docs: http://localhost:${PORT}/docs, contract: http://localhost:${PORT}/openapi.json`,
    ].join("\n"),
  );
  // The local-dev switch that lets the Worker take .dev.vars' plain key: set here, never in wrangler.toml,
  // so a deployment never has it.
  const [name, value] = PLAIN_KEYS_VAR.split("=");
  await wrangler([
    "dev",
    "--local",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--var",
    `${name}:${value}`,
    ...configArgs,
  ]);
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "the local stack on the defaults: ingest, features, model, D1 migrations, sync, then the API on :8787 (unchanged steps are skipped)",
    )
    .option("--data-dir <dir>", "folder with the Kaggle CSV files, plain or .gz", SAMPLE_DATA_DIR)
    .option("--no-serve", "stop after the sync instead of serving the API")
    .option(
      "--shards <n>",
      "run the online store as N local D1 shards (writes wrangler.shards-<n>.toml: wrangler.toml plus N shard bindings)",
      positiveInteger,
      1,
    )
    .action(runAction(start));
}
