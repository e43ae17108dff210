import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.ts";
import { migratedD1State } from "../support/sync/local-d1-state.ts";

// `keys revoke` says how soon a revocation takes effect: the Workers' cache TTL for D1-stored keys.

let dir: string;
let state: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "credit-edge-keys-"));
  state = await migratedD1State(join(dir, "state"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("credit-edge keys revoke", () => {
  it("names the time within which Workers refuse the key (API_KEY_CACHE_SECONDS)", async () => {
    const created = await runCli([
      "keys",
      "create",
      "--name",
      "ttl-check",
      "--scopes",
      "score",
      "--persist-to",
      state,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const id = /created (k_[0-9a-f]+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const revoked = await runCli(["keys", "revoke", id!, "--persist-to", state]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${id}: Workers refuse it within 60 s`);
    expect(revoked.stdout).toContain("API_KEY_CACHE_SECONDS = 60");
  });
});
