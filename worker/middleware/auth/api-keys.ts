import { serviceUnavailable } from "../../problem/api-error.ts";
import { configuredKeys, sha256Hex } from "./configured-keys.ts";
import { type LookupPolicy, MAY_LOOK_UP } from "./lookup-refused.ts";
import type { Principal } from "./principal.ts";
import { keyCacheSeconds, sharedKeyCache, storedKeyPrincipal } from "./stored-keys.ts";

export { sha256Hex } from "./configured-keys.ts";

export interface ApiKeySettings {
  SCORING_API_KEYS?: string;
  ALLOW_PLAIN_API_KEYS?: string;
  API_KEY_CACHE_SECONDS?: string;
  DB: D1Database;
}

/**
 * The service caller a key belongs to: SCORING_API_KEYS first, then D1's api_keys (through the isolate's
 * cache). A refused SCORING_API_KEYS configuration answers 503 for every key: the deployment is broken,
 * and /ready says why.
 */
export async function apiKeyPrincipal(
  key: string,
  env: ApiKeySettings,
  policy: LookupPolicy = MAY_LOOK_UP,
): Promise<Principal> {
  const config = await configuredKeys(env.SCORING_API_KEYS, env.ALLOW_PLAIN_API_KEYS);
  if (!config.ok) throw serviceUnavailable("this deployment's API key configuration is invalid (see /ready)");
  const hash = await sha256Hex(key);
  const configured = config.keys.get(hash);
  if (configured) return { kind: "api-key", id: configured.id, scopes: configured.scopes };
  const ttl = keyCacheSeconds(env.API_KEY_CACHE_SECONDS);
  return storedKeyPrincipal(hash, env.DB, ttl > 0 ? sharedKeyCache(ttl) : null, Date.now(), policy);
}
