import { UserError } from "../../lib/errors.ts";
import type { RetryHooks, RetryPolicy } from "../retry.ts";
import { D1Client } from "./d1-client.ts";
import { REMOTE_LIMITS } from "./d1-limits.ts";
import type { D1Target } from "./d1-target.ts";
import { D1_BINDING, readWranglerD1Config } from "./wrangler-d1-config.ts";

export const REMOTE_ENV = [
  "CLOUDFLARE_ACCOUNT_ID",
  "CLOUDFLARE_D1_DATABASE_ID",
  "CLOUDFLARE_API_TOKEN",
] as const;

/** Cloudflare's API; CLOUDFLARE_API_BASE_URL (as wrangler reads it) points elsewhere, e.g. a local stand-in. */
const DEFAULT_API_BASE = "https://api.cloudflare.com/client/v4";

/** A request that hangs is a network failure: give up on it and let the retry policy decide. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface RemoteD1Options {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  retry: RetryPolicy;
  retryHooks?: RetryHooks;
}

/** Cloudflare D1 over its HTTP API, with the account, database and token from the environment. */
export async function openRemoteD1(options: RemoteD1Options): Promise<D1Target> {
  const env = options.env ?? process.env;
  const missing = REMOTE_ENV.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new UserError(`the remote target needs ${missing.join(", ")} in the environment`, 2);
  }
  const config = await readWranglerD1Config(options.configPath);
  const base = (env.CLOUDFLARE_API_BASE_URL ?? DEFAULT_API_BASE).replace(/\/+$/, "");
  const databaseId = env.CLOUDFLARE_D1_DATABASE_ID!;
  const client = new D1Client(
    {
      url: `${base}/accounts/${encodeURIComponent(env.CLOUDFLARE_ACCOUNT_ID!)}/d1/database/${encodeURIComponent(databaseId)}/raw`,
      headers: { authorization: `Bearer ${env.CLOUDFLARE_API_TOKEN}` },
      fetch: (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }),
    },
    `remote D1 ${databaseId}`,
    options.retry,
    options.retryHooks,
  );
  return {
    kind: "remote",
    client,
    limits: REMOTE_LIMITS,
    migrations: {
      dir: config.migrationsDir,
      table: config.migrationsTable,
      applyCommand: `npx wrangler d1 migrations apply ${D1_BINDING} --remote`,
    },
    async close() {},
  };
}
