import { relative, resolve } from "node:path";
import { layoutBindings } from "../../online-store/shard-layout.ts";
import type { RetryHooks, RetryPolicy } from "../retry.ts";
import { D1Client } from "./d1-client.ts";
import { LOCAL_LIMITS } from "./d1-limits.ts";
import { type D1Target, describeTarget, type TargetDatabase } from "./d1-target.ts";
import { LOCAL_D1_ENDPOINT_SCRIPT } from "./local-d1-endpoint.ts";
import { openLocalD1Miniflare } from "./local-d1-miniflare.ts";
import { D1_BINDING, readWranglerD1Config } from "./wrangler-d1-config.ts";

export interface LocalD1Options {
  configPath: string;
  /** Whether configPath is the project's own wrangler.toml (commands printed then omit --config). */
  defaultConfig?: boolean;
  /** wrangler's --persist-to: the state root (D1 lives in <root>/v3/d1); default .wrangler/state. */
  persistTo?: string;
  retry: RetryPolicy;
  retryHooks?: RetryHooks;
}

/**
 * The local D1 databases that `wrangler dev --local` serves: the same SQLite files, found the way wrangler
 * finds them (persist root + v3/d1, keyed by each binding's database id), opened by one Miniflare as
 * wrangler does, one per database of the layout.
 */
export async function openLocalD1(options: LocalD1Options): Promise<D1Target> {
  const config = await readWranglerD1Config(options.configPath);
  const persistRoot = resolve(options.persistTo ?? config.defaultPersistRoot);
  const bindings = layoutBindings(config.layout);
  const mf = openLocalD1Miniflare({
    persistRoot,
    databases: Object.fromEntries(bindings.map((b) => [b, config.databases.get(b)!.localDatabaseId])),
    script: LOCAL_D1_ENDPOINT_SCRIPT,
  });
  await mf.ready;
  // Relative to where the operator stands, unless that walks up out of it.
  const relativeRoot = relative(process.cwd(), persistRoot);
  const where = !relativeRoot ? "." : relativeRoot.startsWith("..") ? persistRoot : relativeRoot;
  const base = `local D1 (${where})`;
  const database = (binding: string): TargetDatabase => ({
    binding,
    databaseId: config.databases.get(binding)!.localDatabaseId,
    client: new D1Client(
      {
        url: `http://local-d1.credit-edge/raw/${binding}`,
        headers: {},
        fetch: (url, init) => mf.dispatchFetch(url, init),
      },
      binding === D1_BINDING ? base : `${base} ${binding}`,
      options.retry,
      options.retryHooks,
    ),
  });
  const databases = new Map(bindings.map((b) => [b, database(b)]));
  const flags = [
    "--local",
    ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
    ...(options.defaultConfig === false ? ["--config", options.configPath] : []),
  ].join(" ");
  return {
    kind: "local",
    layout: config.layout,
    control: databases.get(config.layout.control)!,
    shards: config.layout.shards.map((s) => ({
      shard: s.shard,
      primary: databases.get(s.primary)!,
      standby: s.standby ? databases.get(s.standby)! : null,
    })),
    description: describeTarget(base, config.layout),
    limits: LOCAL_LIMITS,
    migrations: {
      dir: config.migrationsDir,
      table: config.migrationsTable,
      applyCommand: (binding) => `npx wrangler d1 migrations apply ${binding} ${flags}`,
    },
    importer: null,
    close: () => mf.dispose(),
  };
}
