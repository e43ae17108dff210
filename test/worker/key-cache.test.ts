import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { apiKeys } from "../../online-store/schema.ts";
import { sha256Hex } from "../../worker/middleware/auth/api-keys.ts";
import {
  keyCacheSeconds,
  StoredKeyCache,
  storedKeyPrincipal,
} from "../../worker/middleware/auth/stored-keys.ts";
import { seedApiKey } from "../support/d1-seed.ts";

// D1-stored API keys through the isolate's cache, on the real local D1, with a clock the test moves.

/** Counts the queries a D1 binding runs: prepare() is where every statement starts. */
function counting(db: D1Database): { db: D1Database; queries: () => number } {
  let n = 0;
  const wrapped = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "prepare")
        return (sql: string) => {
          n++;
          return target.prepare(sql);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db: wrapped, queries: () => n };
}

const clock = () => {
  let t = 1_800_000_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

async function storedKey(scopes = "score", extra: { expiresAt?: string } = {}) {
  const key = `ce_cache_${crypto.randomUUID()}`;
  const hash = await sha256Hex(key);
  const id = `k-${crypto.randomUUID().slice(0, 8)}`;
  await seedApiKey(env.DB, { id, keyHash: hash, scopes, ...extra });
  return { hash, id };
}

describe("D1-stored API keys through the isolate's cache", () => {
  it("reads a key from D1 once per TTL, then answers from memory", async () => {
    const time = clock();
    const cache = new StoredKeyCache(60_000, time.now);
    const { hash, id } = await storedKey("score score:batch");
    const d1 = counting(env.DB);
    for (let i = 0; i < 5; i++) {
      const principal = await storedKeyPrincipal(hash, d1.db, cache, time.now());
      expect(principal).toMatchObject({ kind: "api-key", id: `d1:${id}` });
    }
    expect(d1.queries()).toBe(1);
    time.advance(60_001);
    await storedKeyPrincipal(hash, d1.db, cache, time.now());
    expect(d1.queries()).toBe(2);
  });

  it("takes a revocation into account within the TTL, and not before", async () => {
    const time = clock();
    const cache = new StoredKeyCache(60_000, time.now);
    const { hash, id } = await storedKey();
    await storedKeyPrincipal(hash, env.DB, cache, time.now());
    await drizzle(env.DB)
      .update(apiKeys)
      .set({ revokedAt: new Date().toISOString() })
      .where(eq(apiKeys.id, id));
    time.advance(30_000);
    await expect(storedKeyPrincipal(hash, env.DB, cache, time.now())).resolves.toMatchObject({
      id: `d1:${id}`,
    });
    time.advance(30_001);
    await expect(storedKeyPrincipal(hash, env.DB, cache, time.now())).rejects.toThrow(/revoked/);
  });

  it("remembers an unknown key briefly, so a flood of one token costs one query, then looks again", async () => {
    const time = clock();
    const cache = new StoredKeyCache(60_000, time.now);
    const hash = await sha256Hex(`ce_unknown_${crypto.randomUUID()}`);
    const d1 = counting(env.DB);
    for (let i = 0; i < 20; i++)
      await expect(storedKeyPrincipal(hash, d1.db, cache, time.now())).rejects.toThrow(/unknown API key/);
    expect(d1.queries()).toBe(1);
    time.advance(10_001);
    await expect(storedKeyPrincipal(hash, d1.db, cache, time.now())).rejects.toThrow(/unknown/);
    expect(d1.queries()).toBe(2);
  });

  it("refuses a key past its expiry, even while cached as valid", async () => {
    const time = clock();
    const cache = new StoredKeyCache(60_000, time.now);
    const { hash } = await storedKey("score", { expiresAt: new Date(time.now() + 5_000).toISOString() });
    await expect(storedKeyPrincipal(hash, env.DB, cache, time.now())).resolves.toMatchObject({
      kind: "api-key",
    });
    time.advance(5_000);
    await expect(storedKeyPrincipal(hash, env.DB, cache, time.now())).rejects.toThrow(/expired/);
  });

  it("keeps memory bounded", async () => {
    const cache = new StoredKeyCache(60_000);
    for (let i = 0; i < 10_050; i++) cache.set(`h${i}`, null);
    expect(cache.size).toBe(10_000);
    expect(cache.get("h0")).toBeUndefined();
    expect(cache.get("h10049")).toBeDefined();
  });

  it("reads API_KEY_CACHE_SECONDS with a default and bounds", () => {
    expect(keyCacheSeconds(undefined)).toBe(60);
    expect(keyCacheSeconds("")).toBe(60);
    expect(keyCacheSeconds("5")).toBe(5);
    expect(keyCacheSeconds("0")).toBe(0);
    expect(keyCacheSeconds("-1")).toBe(60);
    expect(keyCacheSeconds("junk")).toBe(60);
    expect(keyCacheSeconds("99999")).toBe(3600);
  });
});
