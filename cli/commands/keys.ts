import { createHash, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { AnyD1Database } from "drizzle-orm/d1";
import { UserError } from "../../lib/errors.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { formatTable } from "../format.ts";
import { runAction } from "../run-action.ts";

/** The scopes the Worker knows (worker/middleware/auth/principal.ts). */
const SCOPES = ["score", "score:batch"];

/** The plain key `npm start` puts in .dev.vars for local development, and only there. */
export const LOCAL_DEV_KEY = "local-dev-key";

/**
 * Writes .dev.vars with `SCORING_API_KEYS=local-dev-key` unless the file exists (it is gitignored, and a
 * developer's own file is left alone). Returns whether it was written.
 */
export function ensureDevVars(path = join(PROJECT_ROOT, ".dev.vars")): { path: string; created: boolean } {
  if (existsSync(path)) return { path, created: false };
  writeFileSync(
    path,
    `# Local secrets for \`wrangler dev\` (gitignored). A plain key is hashed by the Worker at startup.\nSCORING_API_KEYS=${LOCAL_DEV_KEY}\n`,
    { mode: 0o600 },
  );
  return { path, created: true };
}

/**
 * The local D1 that `wrangler dev` serves (same persistence directory: writes are visible to a running dev
 * server at once), through wrangler's platform proxy.
 */
export async function withLocalD1<T>(
  persistTo: string | undefined,
  use: (db: AnyD1Database) => Promise<T>,
): Promise<T> {
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<{ DB: AnyD1Database }>({
    configPath: join(PROJECT_ROOT, "wrangler.toml"),
    persist: persistTo ? { path: join(persistTo, "v3") } : true,
    remoteBindings: false,
  });
  try {
    return await use(proxy.env.DB);
  } catch (error) {
    // drizzle wraps D1's error ("Failed query: ...") and keeps it as the cause.
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
    if (messages.some((m) => /no such table/.test(m)))
      throw new UserError(
        "the local D1 has no tables: run `npx wrangler d1 migrations apply DB --local` first",
        1,
        { cause: error },
      );
    throw error;
  } finally {
    await proxy.dispose();
  }
}

/** API_KEY_CACHE_SECONDS as wrangler.toml sets it for the Worker (the Worker's own default, 60, if unset). */
async function keyCacheTtl(): Promise<number> {
  // The Worker's own reading of the setting (bounds, default). A computed path: the module is typed against
  // workerd's globals, which the Node side's type checker does not have.
  const workerModule = ["..", "..", "worker", "middleware", "auth", "stored-keys.ts"].join("/");
  const [{ unstable_readConfig }, { keyCacheSeconds }] = await Promise.all([
    import("wrangler"),
    import(workerModule) as Promise<{ keyCacheSeconds: (setting: string | undefined) => number }>,
  ]);
  const vars = unstable_readConfig({ config: join(PROJECT_ROOT, "wrangler.toml") }).vars as Record<
    string,
    unknown
  >;
  const setting = vars.API_KEY_CACHE_SECONDS;
  return keyCacheSeconds(typeof setting === "string" ? setting : undefined);
}

function parseScopes(value: string): string {
  const scopes = value.split(/[\s,]+/).filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length || scopes.length === 0)
    throw new UserError(`unknown scope ${unknown.join(", ") || "(none)"}: use ${SCOPES.join(", ")}`, 2);
  return [...new Set(scopes)].join(" ");
}

interface D1Options {
  persistTo?: string;
}

/** drizzle and the schema, loaded on use like every command's heavy modules. */
async function keyStore(db: AnyD1Database) {
  const [{ drizzle }, { desc, eq }, { apiKeys }] = await Promise.all([
    import("drizzle-orm/d1"),
    import("drizzle-orm"),
    import("../../online-store/schema.ts"),
  ]);
  return { db: drizzle(db), apiKeys, desc, eq };
}

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description("service API keys in the local D1 (stored as SHA-256 hashes; the key is shown once)");
  const persistOption = [
    "--persist-to <dir>",
    "wrangler's local state folder (default .wrangler/state)",
  ] as const;

  keys
    .command("create")
    .description("create an API key and print it")
    .requiredOption("--name <name>", "who the key is for, e.g. lender-backend")
    .option("--scopes <scopes>", `space- or comma-separated: ${SCOPES.join(", ")}`, SCOPES.join(" "))
    .option(...persistOption)
    .action(
      runAction(async (options: D1Options & { name: string; scopes: string }) => {
        const scopes = parseScopes(options.scopes);
        const key = `ce_${randomBytes(32).toString("base64url")}`;
        const id = `k_${randomBytes(6).toString("hex")}`;
        const keyHash = createHash("sha256").update(key).digest("hex");
        await withLocalD1(options.persistTo, async (d1) => {
          const { db, apiKeys } = await keyStore(d1);
          await db.insert(apiKeys).values({ id, keyHash, name: options.name, scopes });
        });
        console.log(`created ${id} (${options.name}, scopes: ${scopes})`);
        console.log(`key (shown once, send as "Authorization: Bearer <key>"): ${key}`);
      }),
    );

  keys
    .command("revoke <id>")
    .description("revoke an API key: the Worker refuses it from the next request on")
    .option(...persistOption)
    .action(
      runAction(async (id: string, options: D1Options) => {
        const revoked = await withLocalD1(options.persistTo, async (d1) => {
          const { db, apiKeys, eq } = await keyStore(d1);
          return db
            .update(apiKeys)
            .set({ revokedAt: new Date().toISOString() })
            .where(eq(apiKeys.id, id))
            .returning({ id: apiKeys.id });
        });
        if (revoked.length === 0) throw new UserError(`no API key ${id}`);
        const ttl = await keyCacheTtl();
        console.log(
          `revoked ${id}: Workers refuse it within ${ttl} s (each isolate trusts what it read about a key for API_KEY_CACHE_SECONDS = ${ttl}, wrangler.toml)`,
        );
      }),
    );

  keys
    .command("list")
    .description("list API keys (never the keys themselves)")
    .option(...persistOption)
    .action(
      runAction(async (options: D1Options) => {
        const rows = await withLocalD1(options.persistTo, async (d1) => {
          const { db, apiKeys, desc } = await keyStore(d1);
          return db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
        });
        console.log(
          formatTable(
            ["id", "name", "scopes", "created", "revoked"],
            rows.map((r) => [r.id, r.name, r.scopes, r.createdAt, r.revokedAt ?? ""]),
          ),
        );
      }),
    );

  keys
    .command("dev-vars")
    .description(
      `write .dev.vars with SCORING_API_KEYS=${LOCAL_DEV_KEY} if it does not exist (local dev only)`,
    )
    .action(
      runAction(async () => {
        const { path, created } = ensureDevVars();
        console.log(
          created
            ? `wrote ${path}: local API key "${LOCAL_DEV_KEY}" (send "Authorization: Bearer ${LOCAL_DEV_KEY}")`
            : `${path} exists; left as is`,
        );
      }),
    );
}
