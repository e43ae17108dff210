import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys } from "../../../online-store/schema.ts";
import { serviceUnavailable, unauthorized } from "../../problem/api-error.ts";
import { DEFAULT_KEY_CACHE_SECONDS, keyCacheSeconds } from "./key-cache-ttl.ts";
import { type LookupPolicy, LookupRefused, MAY_LOOK_UP } from "./lookup-refused.ts";
import { type Principal, parseScopes } from "./principal.ts";

export { DEFAULT_KEY_CACHE_SECONDS, keyCacheSeconds };

/** Unknown keys are remembered for less: a key created a moment ago should work soon. */
const MISS_CACHE_SECONDS = 10;
/** Bounded memory: past this many entries the oldest are dropped first. */
const MAX_ENTRIES = 10_000;

interface StoredKey {
  id: string;
  revoked: boolean;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
  /** Built once when read: a cache hit then costs what a configured key does, one map lookup. */
  principal: Principal;
}

interface Entry {
  /** Epoch ms after which D1 is asked again. */
  until: number;
  key: StoredKey | null;
}

/**
 * What this isolate read from D1's api_keys, by key hash: the key (valid, revoked or expired) or its
 * absence. A hit costs no D1 query, so an authenticated score makes one D1 read (the client) and a flood of
 * unknown tokens makes one per distinct token per MISS_CACHE_SECONDS. Map order is insertion order: the
 * first entries are the oldest.
 */
export class StoredKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(hash: string): Entry | undefined {
    const entry = this.entries.get(hash);
    if (entry && entry.until <= this.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(hash: string, key: StoredKey | null): void {
    const ttl = key ? this.ttlMs : Math.min(this.ttlMs, MISS_CACHE_SECONDS * 1000);
    this.entries.delete(hash);
    this.entries.set(hash, { until: this.now() + ttl, key });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

// One cache per isolate and TTL setting.
let shared: { ttlMs: number; cache: StoredKeyCache } | undefined;

export function sharedKeyCache(ttlSeconds: number): StoredKeyCache {
  const ttlMs = ttlSeconds * 1000;
  if (shared?.ttlMs !== ttlMs) shared = { ttlMs, cache: new StoredKeyCache(ttlMs) };
  return shared.cache;
}

async function readStoredKey(db: D1Database, hash: string): Promise<StoredKey | null> {
  let rows: { id: string; scopes: string; revokedAt: string | null; expiresAt: string | null }[];
  try {
    rows = await drizzle(db)
      .select({
        id: apiKeys.id,
        scopes: apiKeys.scopes,
        revokedAt: apiKeys.revokedAt,
        expiresAt: apiKeys.expiresAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hash));
  } catch (error) {
    throw serviceUnavailable("the key store (D1) is unavailable", error);
  }
  const row = rows[0];
  if (!row) return null;
  const expiresAt = row.expiresAt ? Date.parse(row.expiresAt) : null;
  return {
    id: row.id,
    revoked: row.revokedAt !== null,
    expiresAt: expiresAt !== null && Number.isFinite(expiresAt) ? expiresAt : null,
    principal: { kind: "api-key", id: `d1:${row.id}`, scopes: parseScopes(row.scopes) },
  };
}

/** The service caller a D1-stored key belongs to, through the isolate's cache; 401 if unknown, revoked or expired. */
export async function storedKeyPrincipal(
  hash: string,
  db: D1Database,
  cache: StoredKeyCache | null,
  now: number = Date.now(),
  policy: LookupPolicy = MAY_LOOK_UP,
): Promise<Principal> {
  let key: StoredKey | null;
  const cached = cache?.get(hash);
  if (cached) key = cached.key;
  else if (policy.memoryOnly) throw new LookupRefused("the key is not known to this isolate");
  else {
    key = await readStoredKey(db, hash);
    cache?.set(hash, key);
  }
  if (!key) throw unauthorized("unknown API key");
  if (key.revoked) throw unauthorized("this API key has been revoked");
  if (key.expiresAt !== null && key.expiresAt <= now) throw unauthorized("this API key has expired");
  return key.principal;
}
