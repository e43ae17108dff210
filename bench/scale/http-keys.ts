import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/d1";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { apiKeys } from "../../online-store/schema.ts";
import { readWranglerD1Config } from "../../sync/target/wrangler-d1-config.ts";
import { openD1Reader } from "../../test/support/sync/local-d1-state.ts";
import { startDevServer } from "../../test/support/wrangler-dev-server.ts";
import { median } from "../measure.ts";
import { type LoadResult, load } from "../worker/load.ts";

/**
 * Keys per mode, rotated: the per-key rate limit (600/min, wrangler.toml) never trips under load (a few
 * hundred req/s over 100 keys is a few req/s per key), and each key is used every second or so, as a
 * lender's backend uses its key, so a stored key's cache entry (API_KEY_CACHE_SECONDS, 60) stays warm.
 */
const KEYS = 100;

/**
 * Three runs per mode in ABBA order, so a drift of the shared machine over the runs weighs on both modes
 * alike; the ratio is of the medians.
 */
const ORDER = ["secret", "d1", "d1", "secret", "secret", "d1"] as const;

export interface KeyModeRun extends LoadResult {
  readonly mode: "secret" | "d1";
  /** D1 round trips and statements per /v1 request, counted by the Worker's counting entry. */
  readonly queriesPerRequest: number;
  readonly statementsPerRequest: number;
}

export interface KeyModeComparison {
  readonly runs: readonly KeyModeRun[];
  readonly secretRequestsPerSecond: number;
  readonly d1RequestsPerSecond: number;
  /** D1-stored key over secret-configured key, medians of the interleaved runs. */
  readonly ratio: number;
  readonly queriesPerRequest: { readonly secret: number; readonly d1: number };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * POST /v1/score at `connections` connections against `wrangler dev --local` serving the Worker's app
 * through the counting entry (worker/bench/counting-entry.ts), over a synced local layout: with
 * secret-configured keys (SCORING_API_KEYS, sha256 entries) and with D1-stored keys, interleaved
 * secret/d1/secret/d1 in one server. Every key is used once before measuring, so the stored keys are in
 * the isolate's cache, as they are in steady state.
 */
export async function compareKeyModes(options: {
  state: string;
  config: string;
  schemaHash: string;
  seconds: number;
  connections: number;
  env: NodeJS.ProcessEnv;
}): Promise<KeyModeComparison> {
  const secret = Array.from({ length: KEYS }, () => `ce_${randomBytes(24).toString("base64url")}`);
  // One set of stored keys per D1 run, first used by its warm-up: no cache entry can expire inside a run.
  const storedSets = ORDER.filter((m) => m === "d1").map(() =>
    Array.from({ length: KEYS }, () => `ce_${randomBytes(24).toString("base64url")}`),
  );
  const stored = storedSets.flat();
  const layout = (await readWranglerD1Config(options.config)).layout;
  const reader = await openD1Reader(options.state, options.config);
  const clientIds: number[] = [];
  try {
    const db = drizzle(reader.db as unknown as Parameters<typeof drizzle>[0]);
    for (let i = 0; i < stored.length; i += 20) {
      await db.insert(apiKeys).values(
        stored.slice(i, i + 20).map((key, j) => ({
          id: `k_bench_${i + j}_${randomBytes(3).toString("hex")}`,
          keyHash: sha256(key),
          name: "bench-scale",
          scopes: "score",
        })),
      );
    }
    for (const shard of layout.shards) {
      const rows = await reader.databases
        .get(shard.primary)!
        .prepare(
          "SELECT client_id FROM client_vectors WHERE feature_set_id = (SELECT feature_set_id FROM active_feature_sets WHERE schema_hash = ?) LIMIT 500",
        )
        .bind(options.schemaHash)
        .all<{ client_id: number }>();
      for (const r of rows.results as { client_id: number }[]) clientIds.push(r.client_id);
    }
  } finally {
    await reader.close();
  }
  const server = await startDevServer({
    persistTo: options.state,
    config: options.config,
    entry: join(PROJECT_ROOT, "worker", "bench", "counting-entry.ts"),
    vars: { SCORING_API_KEYS: secret.map((k) => `sha256:${sha256(k)}:score`).join(",") },
    env: options.env,
  });
  try {
    let turn = 0;
    const body = (keys: readonly string[]) => () => {
      turn++;
      return {
        body: JSON.stringify({ client_id: clientIds[turn % clientIds.length]! }),
        key: keys[turn % keys.length]!,
      };
    };
    const counts = async (reset: boolean) =>
      (await (await fetch(`${server.url}/__bench/d1-counts`, { method: reset ? "POST" : "GET" })).json()) as {
        requests: number;
        roundTrips: number;
        statements: number;
      };
    // Warm: the model, and every key of the run once, right before it (a stored key's first use reads D1;
    // later ones hit the cache for API_KEY_CACHE_SECONDS). What is measured is the hot path of a key in
    // use; a key costs one more D1 read per isolate and TTL, not per request.
    const warm = async (keys: readonly string[]) => {
      for (let i = 0; i < keys.length; i += 8) {
        await Promise.all(
          keys.slice(i, i + 8).map(async (key, j) => {
            const res = await fetch(`${server.url}/v1/score`, {
              method: "POST",
              headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
              body: JSON.stringify({ client_id: clientIds[(i + j) % clientIds.length] }),
            });
            if (res.status !== 200) throw new Error(`warm-up answered ${res.status}: ${await res.text()}`);
          }),
        );
      }
    };
    const runs: KeyModeRun[] = [];
    let d1Runs = 0;
    for (const mode of ORDER) {
      const keys = mode === "secret" ? secret : storedSets[d1Runs++]!;
      await warm(keys);
      await counts(true);
      const result = await load(`${server.url}/v1/score`, options.connections, options.seconds, body(keys));
      const c = await counts(false);
      runs.push({
        mode,
        ...result,
        queriesPerRequest: c.roundTrips / c.requests,
        statementsPerRequest: c.statements / c.requests,
      });
      console.log(
        `  ${mode === "secret" ? "secret key   " : "D1-stored key"} ${Math.round(result.requestsPerSecond)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.errors} errors, ${(c.roundTrips / c.requests).toFixed(3)} D1 queries/request`,
      );
    }
    const rate = (mode: string) =>
      median(runs.filter((r) => r.mode === mode).map((r) => r.requestsPerSecond));
    const qpr = (mode: string) =>
      Math.max(...runs.filter((r) => r.mode === mode).map((r) => r.queriesPerRequest));
    return {
      runs,
      secretRequestsPerSecond: rate("secret"),
      d1RequestsPerSecond: rate("d1"),
      ratio: rate("d1") / rate("secret"),
      queriesPerRequest: { secret: qpr("secret"), d1: qpr("d1") },
    };
  } finally {
    await server.stop();
  }
}
