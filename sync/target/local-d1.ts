import { relative, resolve } from "node:path";
import type { RetryHooks, RetryPolicy } from "../retry.ts";
import { D1Client } from "./d1-client.ts";
import { LOCAL_LIMITS } from "./d1-limits.ts";
import type { D1Target } from "./d1-target.ts";
import { LOCAL_D1_ENDPOINT_SCRIPT } from "./local-d1-endpoint.ts";
import { openLocalD1Miniflare } from "./local-d1-miniflare.ts";
import { D1_BINDING, readWranglerD1Config } from "./wrangler-d1-config.ts";

export interface LocalD1Options {
  configPath: string;
  /** wrangler's --persist-to: the state root (D1 lives in <root>/v3/d1); default .wrangler/state. */
  persistTo?: string;
  retry: RetryPolicy;
  retryHooks?: RetryHooks;
}

/**
 * The local D1 that `wrangler dev --local` serves: the same SQLite file, found the way wrangler finds it
 * (persist root + v3/d1, keyed by the binding's database id), opened by Miniflare as wrangler does.
 */
export async function openLocalD1(options: LocalD1Options): Promise<D1Target> {
  const config = await readWranglerD1Config(options.configPath);
  const persistRoot = resolve(options.persistTo ?? config.defaultPersistRoot);
  const mf = openLocalD1Miniflare({
    persistRoot,
    databaseId: config.localDatabaseId,
    script: LOCAL_D1_ENDPOINT_SCRIPT,
  });
  await mf.ready;
  // Relative to where the operator stands, unless that walks up out of it.
  const relativeRoot = relative(process.cwd(), persistRoot);
  const where = !relativeRoot ? "." : relativeRoot.startsWith("..") ? persistRoot : relativeRoot;
  const client = new D1Client(
    {
      url: "http://local-d1.credit-edge/raw",
      headers: {},
      fetch: (url, init) => mf.dispatchFetch(url, init),
    },
    `local D1 (${where})`,
    options.retry,
    options.retryHooks,
  );
  return {
    kind: "local",
    client,
    limits: LOCAL_LIMITS,
    migrations: {
      dir: config.migrationsDir,
      table: config.migrationsTable,
      applyCommand: `npx wrangler d1 migrations apply ${D1_BINDING} --local${options.persistTo ? ` --persist-to ${options.persistTo}` : ""}`,
    },
    close: () => mf.dispose(),
  };
}
