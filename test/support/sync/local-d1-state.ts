import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Miniflare } from "miniflare";
import { PROJECT_ROOT } from "../../../lib/paths.ts";
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
 * A wrangler state directory whose local D1 has the migrations applied by the real
 * `wrangler d1 migrations apply DB --local`, built once per migration set and copied for each caller.
 */
export async function migratedD1State(into: string): Promise<string> {
  const template = join(tmpdir(), `credit-edge-d1-migrated-${migrationsFingerprint()}`);
  if (!existsSync(template)) {
    const staging = `${template}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await promisify(execFile)(
      process.execPath,
      [
        join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
        "d1",
        "migrations",
        "apply",
        D1_BINDING,
        "--local",
        "--persist-to",
        staging,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...OFFLINE_WRANGLER_ENV, CI: "true" } },
    );
    try {
      renameSync(staging, template);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another process won the race: use its copy
    }
  }
  cpSync(template, into, { recursive: true });
  return into;
}

/**
 * Read access to a local D1 state from the test process: its own Miniflare on the same SQLite file, as
 * `wrangler dev` would open it next to a running sync.
 */
export async function openD1Reader(
  persistRoot: string,
): Promise<{ db: Awaited<ReturnType<Miniflare["getD1Database"]>>; close(): Promise<void> }> {
  const config = await readWranglerD1Config(WRANGLER_CONFIG);
  const mf = openLocalD1Miniflare({ persistRoot, databaseId: config.localDatabaseId });
  const db = await mf.getD1Database(D1_BINDING);
  return { db, close: () => mf.dispose() };
}
