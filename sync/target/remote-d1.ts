import { UserError } from "../../lib/errors.ts";
import { layoutBindings } from "../../online-store/shard-layout.ts";
import type { RetryHooks, RetryPolicy } from "../retry.ts";
import { cloudflareApiBase } from "./api-base-url.ts";
import { D1Client } from "./d1-client.ts";
import { D1Importer } from "./d1-import.ts";
import { REMOTE_LIMITS } from "./d1-limits.ts";
import { type D1Target, describeTarget, type TargetDatabase } from "./d1-target.ts";
import { D1_BINDING, readWranglerD1Config } from "./wrangler-d1-config.ts";

export const REMOTE_ENV = [
  "CLOUDFLARE_ACCOUNT_ID",
  "CLOUDFLARE_D1_DATABASE_ID",
  "CLOUDFLARE_API_TOKEN",
] as const;

/** A request that hangs is a network failure: give up on it and let the retry policy decide. */
const REQUEST_TIMEOUT_MS = 60_000;

/** wrangler.toml's placeholder id: a database nobody created yet. */
const PLACEHOLDER_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

export interface RemoteD1Options {
  configPath: string;
  /** Whether configPath is the project's own wrangler.toml (commands printed then omit --config). */
  defaultConfig?: boolean;
  env?: NodeJS.ProcessEnv;
  retry: RetryPolicy;
  retryHooks?: RetryHooks;
  /** Between polls of a running import (default 1 s). */
  importPollMs?: number;
}

/**
 * Cloudflare D1 over its HTTP API, with the account and token from the environment. The control database
 * is CLOUDFLARE_D1_DATABASE_ID (the one database of the default layout); shard and standby databases are
 * the `database_id`s of their bindings in the wrangler config, the layout's one place.
 */
export async function openRemoteD1(options: RemoteD1Options): Promise<D1Target> {
  const env = options.env ?? process.env;
  const missing = REMOTE_ENV.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new UserError(`the remote target needs ${missing.join(", ")} in the environment`, 2);
  }
  const base = cloudflareApiBase(env);
  const config = await readWranglerD1Config(options.configPath);
  const accountId = env.CLOUDFLARE_ACCOUNT_ID!;
  const token = env.CLOUDFLARE_API_TOKEN!;
  const bindings = layoutBindings(config.layout);
  const ids = new Map<string, string>();
  for (const binding of bindings) {
    const id =
      binding === D1_BINDING ? env.CLOUDFLARE_D1_DATABASE_ID! : config.databases.get(binding)!.databaseId;
    if (!id || PLACEHOLDER_ID.test(id))
      throw new UserError(
        `${config.configPath}: D1 binding ${binding} needs the database_id of its remote database`,
        2,
      );
    const twin = [...ids].find(([, other]) => other === id);
    if (twin)
      throw new UserError(`${config.configPath}: ${twin[0]} and ${binding} name the same database ${id}`, 2);
    ids.set(binding, id);
  }
  const database = (binding: string): TargetDatabase => {
    const databaseId = ids.get(binding)!;
    return {
      binding,
      databaseId,
      client: new D1Client(
        {
          url: `${base}/accounts/${encodeURIComponent(accountId)}/d1/database/${encodeURIComponent(databaseId)}/raw`,
          headers: { authorization: `Bearer ${token}` },
          fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
        },
        `remote D1 ${databaseId}`,
        options.retry,
        options.retryHooks,
      ),
    };
  };
  const databases = new Map(bindings.map((b) => [b, database(b)]));
  const control = databases.get(config.layout.control)!;
  const configFlag = options.defaultConfig === false ? ` --config ${options.configPath}` : "";
  return {
    kind: "remote",
    layout: config.layout,
    control,
    shards: config.layout.shards.map((s) => ({
      shard: s.shard,
      primary: databases.get(s.primary)!,
      standby: s.standby ? databases.get(s.standby)! : null,
    })),
    description: describeTarget(control.client.description, config.layout),
    limits: REMOTE_LIMITS,
    migrations: {
      dir: config.migrationsDir,
      table: config.migrationsTable,
      applyCommand: (binding) => `npx wrangler d1 migrations apply ${binding} --remote${configFlag}`,
    },
    importer: new D1Importer({
      apiBase: base,
      accountId,
      token,
      retry: options.retry,
      ...(options.retryHooks ? { retryHooks: options.retryHooks } : {}),
      ...(options.importPollMs ? { pollIntervalMs: options.importPollMs } : {}),
    }),
    async close() {},
  };
}
