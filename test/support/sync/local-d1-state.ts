import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Miniflare } from "miniflare";
import { PROJECT_ROOT } from "../../../lib/paths.ts";
import { layoutBindings } from "../../../online-store/shard-layout.ts";
import { WRANGLER_CONFIG } from "../../../sync/open.ts";
import { openLocalD1Miniflare } from "../../../sync/target/local-d1-miniflare.ts";
import { D1_BINDING, readWranglerD1Config } from "../../../sync/target/wrangler-d1-config.ts";

/** wrangler without the network: no metrics, no CF lookups, no banner. */
export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

function migrationsFingerprint(): string {
  const dir = join(PROJECT_ROOT, "migrations");
  const hash = createHash("sha256");
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(name).update(readFileSync(join(dir, name)));
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * A wrangler state directory whose local D1 databases (every one of the config's layout: control, shards,
 * standbys) have the migrations applied by the real `wrangler d1 migrations apply <binding> --local`, built
 * once per migration set and layout and copied for each caller.
 */
export async function migratedD1State(into: string, configPath: string = WRANGLER_CONFIG): Promise<string> {
  const config = await readWranglerD1Config(configPath);
  const bindings = layoutBindings(config.layout);
  const layoutKey = createHash("sha256")
    .update(JSON.stringify(bindings.map((b) => [b, config.databases.get(b)!.localDatabaseId])))
    .digest("hex")
    .slice(0, 8);
  const template = join(tmpdir(), `credit-edge-d1-migrated-${migrationsFingerprint()}-${layoutKey}`);
  if (!existsSync(template)) {
    const staging = `${template}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    for (const binding of bindings) {
      await promisify(execFile)(
        process.execPath,
        [
          join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
          "d1",
          "migrations",
          "apply",
          binding,
          "--local",
          "--persist-to",
          staging,
          "--config",
          configPath,
        ],
        { cwd: PROJECT_ROOT, env: { ...process.env, ...OFFLINE_WRANGLER_ENV, CI: "true" } },
      );
    }
    try {
      renameSync(staging, template);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process won the race: use its copy
    }
  }
  cpSync(template, into, { recursive: true });
  return into;
}

type LocalD1 = Awaited<ReturnType<Miniflare["getD1Database"]>>;

/**
 * Read access to a local D1 state from the test process: its own Miniflare on the same SQLite files, as
 * `wrangler dev` would open them next to a running sync. `db` is the control database; `databases` has
 * every database of the config's layout by binding.
 */
export async function openD1Reader(
  persistRoot: string,
  configPath: string = WRANGLER_CONFIG,
): Promise<{ db: LocalD1; databases: Map<string, LocalD1>; close(): Promise<void> }> {
  const config = await readWranglerD1Config(configPath);
  const bindings = layoutBindings(config.layout);
  const mf = openLocalD1Miniflare({
    persistRoot,
    databases: Object.fromEntries(bindings.map((b) => [b, config.databases.get(b)!.localDatabaseId])),
  });
  const databases = new Map<string, LocalD1>();
  for (const binding of bindings) databases.set(binding, await mf.getD1Database(binding));
  return { db: databases.get(D1_BINDING)!, databases, close: () => mf.dispose() };
}
