import { drizzle } from "drizzle-orm/d1";
import { shardRoutes } from "../../online-store/schema.ts";
import { readSession } from "./read-session.ts";
import { retryRead } from "./retry-read.ts";
import type { ShardSet } from "./shard-set.ts";

/** Seconds an isolate trusts the shard routes it read (SHARD_ROUTE_CACHE_SECONDS). */
export const DEFAULT_ROUTE_CACHE_SECONDS = 30;

export function routeCacheSeconds(setting: string | undefined): number {
  const seconds = setting === undefined || setting === "" ? DEFAULT_ROUTE_CACHE_SECONDS : Number(setting);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) : DEFAULT_ROUTE_CACHE_SECONDS;
}

/** Per shard: whether its standby serves. */
export type Routes = readonly boolean[];

interface Cached {
  /** The layout read for (its shard count): one per isolate in practice, whatever env object it comes in. */
  layout: number;
  routes: Routes;
  until: number;
}

let cached: Cached | undefined;

/**
 * Which database serves each shard, in a layout with standbys: the control database's shard_routes,
 * read through a replica and kept in the isolate for SHARD_ROUTE_CACHE_SECONDS, so a score still makes one
 * D1 query. The sync flips routes only after loading and verifying the standbys, and never loads a
 * database again before its grace period (far longer than this TTL) has passed since it stopped serving:
 * an isolate on a stale route reads a complete version that nobody blocks. If a refresh fails, the last
 * routes read stay in use; without any, the read's failure is the caller's (503).
 */
export async function shardRoutesOf(set: ShardSet, ttlSeconds: number, now = Date.now()): Promise<Routes> {
  if (!set.standby) return set.shards.map(() => false);
  const layout = set.shards.length;
  if (cached && cached.layout === layout && cached.until > now) return cached.routes;
  try {
    const rows = await retryRead(() =>
      drizzle(readSession(set.control) as D1Database)
        .select({ shard: shardRoutes.shard, serving: shardRoutes.serving })
        .from(shardRoutes),
    );
    const standby = new Set(rows.filter((r) => r.serving === "standby").map((r) => r.shard));
    const routes = set.shards.map((s) => standby.has(s.shard));
    cached = { layout, routes, until: now + ttlSeconds * 1000 };
    return routes;
  } catch (error) {
    if (cached && cached.layout === layout) return cached.routes;
    throw error;
  }
}
