import { createHash, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "../../lib/errors.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { TARGET_KINDS, type TargetKind } from "../../sync/target/d1-target.ts";
import { DEFAULT_KEY_CACHE_SECONDS, keyCacheSeconds } from "../../worker/middleware/auth/key-cache-ttl.ts";
import { formatTable } from "../format.ts";
import { configOption } from "../options.ts";
import { runAction } from "../run-action.ts";

/** The scopes the Worker knows (worker/middleware/auth/principal.ts). */
const SCOPES = ["score", "score:batch", "bench"];
const DEFAULT_SCOPES = "score score:batch";

/** The plain key `npm start` puts in .dev.vars for local development, and only there. */
export const LOCAL_DEV_KEY = "local-dev-key";

/** The Worker variable that lets SCORING_API_KEYS hold plain keys (worker/middleware/auth/configured-keys.ts). */
export const PLAIN_KEYS_VAR = "ALLOW_PLAIN_API_KEYS=local-dev";

/**
 * Writes .dev.vars with `SCORING_API_KEYS=local-dev-key` and the local-dev switch that lets the Worker take
 * a plain key, unless the file exists (it is gitignored, and a developer's own file is left alone: `npm
 * start` passes the switch to wrangler dev itself). Returns whether it was written.
 */
export function ensureDevVars(path = join(PROJECT_ROOT, ".dev.vars")): { path: string; created: boolean } {
  if (existsSync(path)) return { path, created: false };
  writeFileSync(
    path,
    "# Local secrets for `wrangler dev` (gitignored). The plain key is hashed by the Worker at startup, and\n" +
      "# accepted only because of the local-dev switch below: never set it in a deployment.\n" +
      `SCORING_API_KEYS=${LOCAL_DEV_KEY}\n${PLAIN_KEYS_VAR}\n`,
    { mode: 0o600 },
  );
  return { path, created: true };
}

/** API_KEY_CACHE_SECONDS as wrangler.toml sets it for the Worker, read the way the Worker reads it. */
async function configuredKeyCacheSeconds(config = join(PROJECT_ROOT, "wrangler.toml")): Promise<number> {
  const { unstable_readConfig } = await import("wrangler");
  const vars = unstable_readConfig({ config }).vars as Record<string, unknown>;
  const setting = vars.API_KEY_CACHE_SECONDS;
  return keyCacheSeconds(typeof setting === "string" ? setting : undefined);
}

/** Scopes as the Worker stores and reads them: one space between scopes, the one separator. */
export function parseScopes(value: string): string {
  const scopes = value.trim().split(" ");
  if (scopes.some((s) => s === ""))
    throw new UserError(
      `separate scopes by single spaces, e.g. --scopes "score score:batch" (got "${value}")`,
      2,
    );
  const unknown = scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length > 0)
    throw new UserError(
      `unknown scope ${unknown.map((s) => `"${s}"`).join(", ")}: the scopes are ${SCOPES.join(", ")}, separated by spaces`,
      2,
    );
  return [...new Set(scopes)].join(" ");
}

/** `--expires`: an ISO date or time, or a duration from now such as 90d or 12h; must lie in the future. */
export function parseExpiry(value: string, now = Date.now()): string {
  const duration = /^(\d+)([dh])$/.exec(value.trim());
  const at = duration
    ? now + Number(duration[1]) * (duration[2] === "d" ? 86_400_000 : 3_600_000)
    : Date.parse(value);
  if (!Number.isFinite(at))
    throw new UserError(`--expires "${value}" is neither an ISO date/time nor a duration like 90d or 12h`, 2);
  if (at <= now) throw new UserError(`--expires "${value}" is not in the future`, 2);
  return new Date(at).toISOString();
}

interface TargetOptions {
  target: TargetKind;
  remote?: boolean;
  persistTo?: string;
  config?: string;
}

/** `--remote` is shorthand for `--target remote`. */
const storeOf = (options: TargetOptions) => ({
  target: options.remote ? ("remote" as const) : options.target,
  ...(options.persistTo ? { persistTo: options.persistTo } : {}),
  ...(options.config ? { configPath: options.config } : {}),
});

/** The key store and the schema, loaded on use like every command's heavy modules (D1 client, Miniflare). */
async function withKeyStore<T>(
  ...args: Parameters<typeof import("./key-store.ts").withKeyStore<T>>
): Promise<T> {
  const { withKeyStore: open } = await import("./key-store.ts");
  return open(...args);
}

async function schema() {
  const [{ desc, eq }, { apiKeys }] = await Promise.all([
    import("drizzle-orm"),
    import("../../online-store/schema.ts"),
  ]);
  return { apiKeys, desc, eq };
}

export function registerKeys(program: Command): void {
  const keys = program
    .command("keys")
    .description(
      "service API keys in the online store's D1, local or remote (stored as SHA-256 hashes; a key is shown once)",
    );
  const withTarget = (command: Command) =>
    command
      .addOption(
        new Option("--target <kind>", "the local D1 `wrangler dev` serves, or Cloudflare's (D1 HTTP API)")
          .choices(TARGET_KINDS)
          .default("local"),
      )
      .option(
        "--remote",
        "same as --target remote (CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_D1_DATABASE_ID, CLOUDFLARE_API_TOKEN)",
      )
      .option("--persist-to <dir>", "local target: wrangler's state folder (default .wrangler/state)")
      .addOption(configOption());

  withTarget(
    keys
      .command("create")
      .description("create an API key and print it")
      .requiredOption("--name <name>", "who the key is for, e.g. lender-backend")
      .option("--scopes <scopes>", `space-separated, of: ${SCOPES.join(", ")}`, DEFAULT_SCOPES)
      .option(
        "--expires <when>",
        "after which the Worker refuses the key: an ISO date/time or a duration (90d, 12h)",
      ),
  ).action(
    runAction(async (options: TargetOptions & { name: string; scopes: string; expires?: string }) => {
      const scopes = parseScopes(options.scopes);
      const expiresAt = options.expires ? parseExpiry(options.expires) : null;
      const key = `ce_${randomBytes(32).toString("base64url")}`;
      const id = `k_${randomBytes(6).toString("hex")}`;
      const keyHash = createHash("sha256").update(key).digest("hex");
      const store = storeOf(options);
      await withKeyStore(store, async (db) => {
        const { apiKeys } = await schema();
        await db.insert(apiKeys).values({ id, keyHash, name: options.name, scopes, expiresAt });
      });
      console.log(
        `created ${id} in the ${store.target} D1 (${options.name}, scopes: ${scopes}${expiresAt ? `, expires ${expiresAt}` : ""})`,
      );
      console.log(`key (shown once, send as "Authorization: Bearer <key>"): ${key}`);
    }),
  );

  withTarget(
    keys
      .command("revoke <id>")
      .description(
        `revoke an API key: every Worker isolate refuses it within API_KEY_CACHE_SECONDS (default ${DEFAULT_KEY_CACHE_SECONDS} s)`,
      ),
  ).action(
    runAction(async (id: string, options: TargetOptions) => {
      const store = storeOf(options);
      const revoked = await withKeyStore(store, async (db) => {
        const { apiKeys, eq } = await schema();
        return db
          .update(apiKeys)
          .set({ revokedAt: new Date().toISOString() })
          .where(eq(apiKeys.id, id))
          .returning({ id: apiKeys.id });
      });
      if (revoked.length === 0) throw new UserError(`no API key ${id} in the ${store.target} D1`);
      const ttl = await configuredKeyCacheSeconds(options.config);
      console.log(
        `revoked ${id} in the ${store.target} D1: Workers refuse it within ${ttl} s (each isolate trusts what it read about a key for API_KEY_CACHE_SECONDS = ${ttl}, wrangler.toml)`,
      );
    }),
  );

  withTarget(
    keys
      .command("list")
      .description("list API keys (never the keys themselves)")
      .option("--json", "print JSON"),
  ).action(
    runAction(async (options: TargetOptions & { json?: boolean }) => {
      const rows = await withKeyStore(storeOf(options), async (db) => {
        const { apiKeys, desc } = await schema();
        return db
          .select({
            id: apiKeys.id,
            name: apiKeys.name,
            scopes: apiKeys.scopes,
            createdAt: apiKeys.createdAt,
            expiresAt: apiKeys.expiresAt,
            revokedAt: apiKeys.revokedAt,
          })
          .from(apiKeys)
          .orderBy(desc(apiKeys.createdAt));
      });
      if (options.json) {
        console.log(
          JSON.stringify(
            rows.map((r) => ({
              id: r.id,
              name: r.name,
              scopes: r.scopes,
              created_at: r.createdAt,
              expires_at: r.expiresAt,
              revoked_at: r.revokedAt,
            })),
          ),
        );
        return;
      }
      console.log(
        formatTable(
          ["id", "name", "scopes", "created", "expires", "revoked"],
          rows.map((r) => [r.id, r.name, r.scopes, r.createdAt, r.expiresAt ?? "", r.revokedAt ?? ""]),
        ),
      );
    }),
  );

  keys
    .command("dev-vars")
    .description(
      `write .dev.vars with SCORING_API_KEYS=${LOCAL_DEV_KEY} and the local-dev switch, if it does not exist`,
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
