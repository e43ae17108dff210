import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import { UserError } from "../../lib/errors.ts";
import { openTarget } from "../../sync/open.ts";
import { toD1Param } from "../../sync/target/d1-client.ts";
import type { D1Target, TargetKind } from "../../sync/target/d1-target.ts";

export interface KeyStoreOptions {
  target: TargetKind;
  /** Local target: wrangler's state folder. */
  persistTo?: string;
  /** The wrangler config with the online store's layout; keys live in its control database. */
  configPath?: string;
}

/**
 * The api_keys table of the online store, local or remote, through the same D1 client the sync uses (the
 * local D1 `wrangler dev` serves, or Cloudflare's D1 HTTP API with CLOUDFLARE_ACCOUNT_ID,
 * CLOUDFLARE_D1_DATABASE_ID and CLOUDFLARE_API_TOKEN), queried with drizzle over that client so the
 * schema in online-store/schema.ts stays the one definition.
 */
export async function withKeyStore<T>(
  options: KeyStoreOptions,
  use: (db: SqliteRemoteDatabase) => Promise<T>,
): Promise<T> {
  const [{ drizzle }, target] = await Promise.all([
    import("drizzle-orm/sqlite-proxy"),
    openTarget(options.target, {
      ...(options.persistTo ? { persistTo: options.persistTo } : {}),
      ...(options.configPath ? { configPath: options.configPath } : {}),
    }),
  ]);
  try {
    const db = drizzle(async (sql, params, method) => {
      const result = await target.control.client.query(sql, params.map(toD1Param));
      const rows: unknown[] = method === "get" ? [...(result.rows[0] ?? [])] : [...result.rows];
      return { rows };
    });
    return await use(db);
  } catch (error) {
    throw explained(error, target);
  } finally {
    await target.close();
  }
}

function explained(error: unknown, target: D1Target): unknown {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  if (messages.some((m) => /no such table|no such column/.test(m)))
    return new UserError(
      `the ${target.kind} D1 lacks the api_keys migrations: run \`${target.migrations.applyCommand(target.control.binding)}\` first`,
      1,
      { cause: error },
    );
  return error;
}
