import { type Principal, parseScopes, SCOPES, type Scope } from "./principal.ts";
import { keyCacheSeconds, sharedKeyCache, storedKeyPrincipal } from "./stored-keys.ts";

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

interface ConfiguredKey {
  id: string;
  scopes: ReadonlySet<Scope>;
}

const HASHED_ENTRY = /^sha256:([0-9a-f]{64})(?::(.*))?$/i;

/**
 * SCORING_API_KEYS: comma-separated entries, each `sha256:<hex of the key's SHA-256>[:<scope> <scope>...]`
 * (no scopes: all of them), or, for local development, a plain key, hashed here and given all scopes.
 * Returns the keys by hash; `rejected` counts entries with unknown scopes (skipped, never echoed).
 */
export async function parseApiKeyEntries(
  value: string,
): Promise<{ keys: Map<string, ConfiguredKey>; rejected: number }> {
  const keys = new Map<string, ConfiguredKey>();
  let rejected = 0;
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const hashed = HASHED_ENTRY.exec(entry);
    const hash = hashed ? hashed[1]!.toLowerCase() : await sha256Hex(entry);
    const scopeList = hashed?.[2]?.trim();
    const scopes = scopeList ? parseScopes(scopeList) : new Set(SCOPES);
    if (scopeList && scopes.size !== scopeList.split(/\s+/).length) {
      rejected++;
      continue;
    }
    keys.set(hash, { id: `env:${hash.slice(0, 12)}`, scopes });
  }
  return { keys, rejected };
}

// Parsed once per isolate (per distinct secret value), not per request.
let parsed: { source: string; keys: Promise<Map<string, ConfiguredKey>> } | undefined;

function configuredKeys(source: string): Promise<Map<string, ConfiguredKey>> {
  if (parsed?.source !== source) {
    const keys = parseApiKeyEntries(source).then(({ keys, rejected }) => {
      if (rejected > 0)
        console.log(
          JSON.stringify({
            level: "warn",
            msg: "SCORING_API_KEYS entries with unknown scopes skipped",
            rejected,
          }),
        );
      return keys;
    });
    parsed = { source, keys };
  }
  return parsed.keys;
}

/** The service caller a key belongs to: SCORING_API_KEYS first, then D1's api_keys (through the isolate's cache). */
export async function apiKeyPrincipal(
  key: string,
  env: { SCORING_API_KEYS?: string; API_KEY_CACHE_SECONDS?: string; DB: D1Database },
): Promise<Principal> {
  const hash = await sha256Hex(key);
  const configured = (await configuredKeys(env.SCORING_API_KEYS ?? "")).get(hash);
  if (configured) return { kind: "api-key", id: configured.id, scopes: configured.scopes };
  const ttl = keyCacheSeconds(env.API_KEY_CACHE_SECONDS);
  return storedKeyPrincipal(hash, env.DB, ttl > 0 ? sharedKeyCache(ttl) : null);
}
