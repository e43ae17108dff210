import { applyD1Migrations, createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { shardRoutes } from "../../online-store/schema.ts";
import { shardOf } from "../../online-store/shard-layout.ts";
import { BatchScoreResponseSchema, ReadySchema, ScoreResultSchema } from "../../worker/api/schemas.ts";
import { createApp } from "../../worker/app.ts";
import { countingD1, type D1Counts, newCounts } from "../../worker/bench/counting-d1.ts";
import { bundledCard, bundledScorer } from "../../worker/inference/bundled-model.ts";
import { sha256Hex } from "../../worker/middleware/auth/api-keys.ts";
import { seedApiKey, seedFeatureSet } from "../support/d1-seed.ts";
import type { ParityClient } from "../support/worker-test-context.ts";
import { apiKeys, BASE, expectProblem, historyOf, request } from "./helpers.ts";

// The Worker over a sharded online store: three real local D1 shards bound as DB_SHARD_0..2 beside DB
// (the control database, where D1-stored keys live). Counts the D1 queries each request makes, and takes
// one shard down.

const SHARDS = 3;
const VERSION = 7;
const parity = inject("parity");
const shardDbs = [env.TEST_SHARD_0, env.TEST_SHARD_1, env.TEST_SHARD_2];
const app = createApp({ card: bundledCard, scorer: bundledScorer });
const onShard = (k: number): ParityClient => parity.clients.find((c) => shardOf(c.clientId, SHARDS) === k)!;

const downD1 = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error("D1_ERROR: Network connection lost.");
    },
  },
) as D1Database;

/** The test env with the spare databases bound as shards, each counted (or replaced). */
function shardedEnv(counts: D1Counts, replace: Record<number, D1Database> = {}): Record<string, unknown> {
  const bindings: Record<string, unknown> = { ...env, DB: countingD1(env.DB, "DB", counts) };
  shardDbs.forEach((db, k) => {
    bindings[`DB_SHARD_${k}`] = replace[k] ?? countingD1(db, `DB_SHARD_${k}`, counts);
  });
  return bindings;
}

const newCounter = newCounts;
const asked = (counts: D1Counts) => Object.entries(counts.byBinding).sort();

async function post(path: string, body: unknown, token: string, bindings: Record<string, unknown>) {
  return app.fetch(
    new Request(`${BASE}${path}`, request({ body, token })),
    bindings,
    createExecutionContext(),
  );
}

beforeAll(async () => {
  for (const [k, db] of shardDbs.entries()) {
    await applyD1Migrations(db, env.TEST_MIGRATIONS);
    await seedFeatureSet(db, {
      id: VERSION,
      shard: k,
      shardCount: SHARDS,
      schemaHash: parity.schemaHash,
      historyFeatureCount: bundledCard.packed_history_features.length,
      featuresAsOf: "2026-11-30T03:17:00.000Z",
      clients: parity.clients
        .filter((c) => shardOf(c.clientId, SHARDS) === k)
        .map((c) => ({ clientId: c.clientId, history: historyOf(c), application: c.application })),
    });
  }
  // Warm the isolate's model: query counts are about D1, not ORT's first load.
  const warm = await post(
    "/v1/score",
    { client_id: onShard(0).clientId },
    apiKeys().all,
    shardedEnv(newCounter()),
  );
  expect(warm.status).toBe(200);
});

describe("D1 queries per scored request", () => {
  it("one, on the client's own shard, with a key configured as a secret", async () => {
    for (let k = 0; k < SHARDS; k++) {
      const counter = newCounter();
      const client = onShard(k);
      const res = await post("/v1/score", { client_id: client.clientId }, apiKeys().all, shardedEnv(counter));
      expect(res.status).toBe(200);
      const result = ScoreResultSchema.parse(await res.json());
      expect(Math.abs(result.probability - client.probability)).toBeLessThanOrEqual(1e-6);
      expect(result.feature_set_version).toBe(VERSION);
      expect({ statements: counter.statements, roundTrips: counter.roundTrips }).toEqual({
        statements: 1,
        roundTrips: 1,
      });
      expect(asked(counter)).toEqual([[`DB_SHARD_${k}`, 1]]);
      console.log(`D1 queries for POST /v1/score (secret key, shard ${k}): ${counter.roundTrips}`);
    }
  });

  it("one with a D1-stored key once the isolate has it cached (two on the first use of the key)", async () => {
    const key = `ce_shards_${crypto.randomUUID()}`;
    await seedApiKey(env.DB, {
      id: `k-${crypto.randomUUID().slice(0, 8)}`,
      keyHash: await sha256Hex(key),
      scopes: "score",
    });
    const cold = newCounter();
    expect((await post("/v1/score", { client_id: onShard(1).clientId }, key, shardedEnv(cold))).status).toBe(
      200,
    );
    expect(cold.roundTrips).toBe(2);
    expect(cold.byBinding.DB).toBe(1);
    for (let k = 0; k < SHARDS; k++) {
      const warm = newCounter();
      const res = await post("/v1/score", { client_id: onShard(k).clientId }, key, shardedEnv(warm));
      expect(res.status).toBe(200);
      expect({ statements: warm.statements, roundTrips: warm.roundTrips }).toEqual({
        statements: 1,
        roundTrips: 1,
      });
      expect(Object.keys(warm.byBinding)).toEqual([`DB_SHARD_${k}`]);
    }
    console.log("D1 queries for POST /v1/score (D1-stored key, warm): 1");
  });

  it("one round trip per shard a batch touches, each result with its own shard's version", async () => {
    const counter = newCounter();
    const clients = [onShard(0), onShard(1), onShard(2)];
    const res = await post(
      "/v1/score/batch",
      { client_ids: clients.map((c) => c.clientId) },
      apiKeys().all,
      shardedEnv(counter),
    );
    expect(res.status).toBe(200);
    const { results } = BatchScoreResponseSchema.parse(await res.json());
    expect(results.map((r) => ("feature_set_version" in r ? r.feature_set_version : null))).toEqual([
      VERSION,
      VERSION,
      VERSION,
    ]);
    expect(counter.roundTrips).toBe(SHARDS);
    expect(Object.keys(counter.byBinding).sort()).toEqual(["DB_SHARD_0", "DB_SHARD_1", "DB_SHARD_2"]);
  });
});

describe("one shard down", () => {
  const down = () => shardedEnv(newCounter(), { 1: downD1 });

  it("scores clients on the healthy shards; a client on the failed one gets 503 with Retry-After", async () => {
    for (const k of [0, 2]) {
      const res = await post("/v1/score", { client_id: onShard(k).clientId }, apiKeys().all, down());
      expect(res.status).toBe(200);
    }
    const problem = await expectProblem(
      await post("/v1/score", { client_id: onShard(1).clientId }, apiKeys().all, down()),
      503,
    );
    expect(problem.detail).toBe("the online store (D1 shard 1) is unavailable");
  });

  it("a batch answers every healthy client, and an item error for each client on the failed shard", async () => {
    const clients = [onShard(1), onShard(0), onShard(2)];
    const res = await post(
      "/v1/score/batch",
      { client_ids: clients.map((c) => c.clientId) },
      apiKeys().all,
      down(),
    );
    expect(res.status).toBe(200);
    const { results } = BatchScoreResponseSchema.parse(await res.json());
    expect(results[0]).toEqual({
      client_id: clients[0]!.clientId,
      error: {
        status: 503,
        title: "Service Unavailable",
        detail: "the online store (D1 shard 1) is unavailable",
      },
    });
    expect(results.slice(1).map((r) => ("probability" in r ? r.feature_set_version : r))).toEqual([
      VERSION,
      VERSION,
    ]);
    // Applications need the client's history: one on the failed shard fails the request.
    await expectProblem(
      await post(
        "/v1/applications/score",
        { applications: [{ SK_ID_CURR: onShard(1).clientId }] },
        apiKeys().all,
        down(),
      ),
      503,
    );
  });

  it("/ready says degraded (200), with each shard's state; with every shard down it is not ready", async () => {
    const ready = await app.fetch(new Request(`${BASE}/ready`), down(), createExecutionContext());
    expect(ready.status).toBe(200);
    const body = ReadySchema.parse(await ready.json());
    expect(body.status).toBe("degraded");
    expect(body.feature_set_version).toBe(VERSION);
    expect(body.shards.map((s) => [s.shard, s.status, s.feature_set_version])).toEqual([
      [0, "ok", VERSION],
      [1, "unavailable", null],
      [2, "ok", VERSION],
    ]);
    const healthy = ReadySchema.parse(
      await (
        await app.fetch(new Request(`${BASE}/ready`), shardedEnv(newCounter()), createExecutionContext())
      ).json(),
    );
    expect(healthy.status).toBe("ready");
    const allDown = shardedEnv(newCounter(), { 0: downD1, 1: downD1, 2: downD1 });
    const problem = await expectProblem(
      await app.fetch(new Request(`${BASE}/ready`), allDown, createExecutionContext()),
      503,
    );
    expect(problem.detail).toMatch(
      /^no shard serves the model's feature schema .*shard 0: the online store \(D1 shard 0\) is unavailable/,
    );
    await expectProblem(
      await post("/v1/score/batch", { client_ids: [onShard(0).clientId] }, apiKeys().all, allDown),
      503,
    );
  });

  it("a gap in the shard bindings is refused, never guessed at", async () => {
    const { DB_SHARD_1: _, ...gap } = shardedEnv(newCounter());
    const problem = await expectProblem(
      await app.fetch(new Request(`${BASE}/ready`), gap, createExecutionContext()),
      503,
    );
    expect(problem.detail).toContain("DB_SHARD_1 is missing");
    await expectProblem(await post("/v1/score", { client_id: onShard(0).clientId }, apiKeys().all, gap), 503);
  });
});

describe("standby databases", () => {
  it("read the shard's serving database from the routes, cached in the isolate: still one query per score", async () => {
    // One shard, its standby serving (TEST_SHARD_2 as standby of shard 0, holding a copy stamped shard 0 of 1).
    const schemaHash = "fs-standby-routes";
    const card = { ...bundledCard, feature_schema_hash: schemaHash };
    const client = parity.clients[0]!;
    const standbyVersion = await seedFeatureSet(env.TEST_SHARD_2, {
      id: 900,
      schemaHash,
      historyFeatureCount: card.packed_history_features.length,
      clients: [{ clientId: client.clientId, history: historyOf(client), application: client.application }],
    });
    await drizzle(env.DB)
      .insert(shardRoutes)
      .values({
        shard: 0,
        serving: "standby",
        featureSetId: standbyVersion,
        flippedAt: new Date().toISOString(),
      })
      .onConflictDoUpdate({ target: shardRoutes.shard, set: { serving: "standby" } });
    const standbyApp = createApp({ card, scorer: bundledScorer });
    const bindings = (counter: D1Counts) => ({
      ...env,
      DB: countingD1(env.DB, "DB", counter),
      DB_SHARD_0: downD1, // the primary is being loaded: never read
      DB_SHARD_0_STANDBY: countingD1(env.TEST_SHARD_2, "DB_SHARD_0_STANDBY", counter),
    });
    const first = newCounter();
    const call = (counter: D1Counts) =>
      standbyApp.fetch(
        new Request(
          `${BASE}/v1/score`,
          request({ body: { client_id: client.clientId }, token: apiKeys().all }),
        ),
        bindings(counter),
        createExecutionContext(),
      );
    const res = await call(first);
    expect(res.status).toBe(200);
    expect(ScoreResultSchema.parse(await res.json()).feature_set_version).toBe(standbyVersion);
    expect(asked(first)).toEqual([
      ["DB", 1],
      ["DB_SHARD_0_STANDBY", 1],
    ]);
    const warm = newCounter();
    expect((await call(warm)).status).toBe(200);
    expect(asked(warm)).toEqual([["DB_SHARD_0_STANDBY", 1]]);
  });
});
