import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExpiry } from "../../cli/commands/keys.ts";
import { WRANGLER_CONFIG } from "../../sync/open.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { type D1HttpServer, startD1HttpServer } from "../support/d1-http-server/server.ts";
import { runCli } from "../support/run-cli.ts";
import { migratedD1State } from "../support/sync/local-d1-state.ts";

// `credit-edge keys` against the local D1 and, with --remote, against the D1 HTTP API stand-in.

interface ListedKey {
  id: string;
  name: string;
  scopes: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const DATABASE = randomUUID();
const TOKEN = randomUUID();

let dir: string;
let localState: string;
let server: D1HttpServer;
let remoteEnv: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "credit-edge-keys-"));
  localState = await migratedD1State(join(dir, "local"));
  const remoteState = await migratedD1State(join(dir, "remote"));
  const { localDatabaseId } = await readWranglerD1Config(WRANGLER_CONFIG);
  server = await startD1HttpServer({
    accountId: ACCOUNT,
    databaseId: DATABASE,
    token: TOKEN,
    persistRoot: remoteState,
    localDatabaseId,
  });
  remoteEnv = {
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
    CLOUDFLARE_D1_DATABASE_ID: DATABASE,
    CLOUDFLARE_API_TOKEN: TOKEN,
    CLOUDFLARE_API_BASE_URL: server.apiBase,
  };
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ["local", () => ["--persist-to", localState], () => ({})],
  ["remote", () => ["--remote"], () => remoteEnv],
] as const)("credit-edge keys on the %s D1", (target, targetArgs, env) => {
  const keys = (...args: string[]) => runCli(["keys", ...args, ...targetArgs()], env());
  const list = async () => {
    const run = await keys("list", "--json");
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as ListedKey[];
  };

  it("creates a key with scopes and an expiry, lists it without the key, revokes it with the cache TTL stated", async () => {
    const created = await keys(
      "create",
      "--name",
      `lender-${target}`,
      "--scopes",
      "score score:batch",
      "--expires",
      "90d",
    );
    expect(created.code, created.stderr).toBe(0);
    const id = /created (k_[0-9a-f]+)/.exec(created.stdout)?.[1];
    const key = /key \(shown once.*\): (ce_\S+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(key).toBeDefined();
    const listed = (await list()).find((k) => k.id === id)!;
    expect(listed).toMatchObject({ name: `lender-${target}`, scopes: "score score:batch", revoked_at: null });
    const days = (Date.parse(listed.expires_at!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThan(90.1);
    expect(JSON.stringify(await list())).not.toContain(key!);

    const revoked = await keys("revoke", id!);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/within 60 s .*API_KEY_CACHE_SECONDS = 60/);
    expect((await list()).find((k) => k.id === id)!.revoked_at).not.toBeNull();
  });

  it("refuses scopes with another separator, unknown scopes and a past expiry, writing nothing", async () => {
    const before = (await list()).length;
    for (const [args, message] of [
      [["--scopes", "score,score:batch"], /unknown scope "score,score:batch".*separated by spaces/],
      [["--scopes", "score  score:batch"], /single spaces/],
      [["--scopes", "admin"], /unknown scope "admin"/],
      [["--expires", "2020-01-01"], /not in the future/],
    ] as const) {
      const run = await keys("create", "--name", "bad", ...args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    expect((await list()).length).toBe(before);
  });
});

describe("--expires", () => {
  it("takes durations and ISO times", () => {
    const now = Date.parse("2026-12-01T00:00:00Z");
    expect(parseExpiry("12h", now)).toBe("2026-12-01T12:00:00.000Z");
    expect(parseExpiry("2027-01-31", now)).toBe("2027-01-31T00:00:00.000Z");
    expect(() => parseExpiry("soon", now)).toThrow(/neither an ISO date/);
  });
});
