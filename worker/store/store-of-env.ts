import { serviceUnavailable } from "../problem/api-error.ts";
import { OnlineStore } from "./online-store.ts";
import { routeCacheSeconds } from "./shard-routes.ts";
import { shardSetOf } from "./shard-set.ts";

/**
 * The online store over this Worker's D1 bindings (shard layout from wrangler.toml, read replicas, cached
 * routes). A misconfigured layout answers 503 naming the binding at fault, never a guess at the shards.
 */
export function onlineStoreOf(env: { SHARD_ROUTE_CACHE_SECONDS?: string }): OnlineStore {
  try {
    return new OnlineStore(shardSetOf(env), routeCacheSeconds(env.SHARD_ROUTE_CACHE_SECONDS));
  } catch (error) {
    throw serviceUnavailable(
      `the online store's D1 bindings are misconfigured: ${(error as Error).message}`,
      error,
    );
  }
}
