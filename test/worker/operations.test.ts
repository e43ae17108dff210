import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import { createApp } from "../../worker/app.ts";
import { bundledCard } from "../../worker/inference/bundled-model.ts";
import { sharedInit } from "../../worker/inference/shared-init.ts";
import { seedFeatureSet } from "../support/d1-seed.ts";
import { apiKeys, BASE, expectProblem, request } from "./helpers.ts";

// /health, /ready and the 503 paths, with the model or D1 replaced by failing stand-ins where a test says
// so. Nothing here runs the model: a stand-in Scorer that is never asked to score keeps ORT out.

const idleScorer = () => Promise.resolve({} as Scorer);
const brokenModel = () => Promise.reject(new Error("no available backend found: wasm"));

/** A D1 binding whose every call fails, as when the database is unreachable. */
const unreachableD1 = new Proxy(
  {},
  {
    get: () => () => {
      throw new Error("D1_ERROR: Network connection lost.");
    },
  },
) as D1Database;

/** A card for a feature schema of its own, so each test controls what is active for it. */
const cardFor = (schemaHash: string): ModelCard => ({ ...bundledCard, feature_schema_hash: schemaHash });

const get = (app: ReturnType<typeof createApp>, path: string, bindings: object = env, token?: string) =>
  app.request(`${BASE}${path}`, request(token ? { token } : {}), bindings);

describe("GET /health", () => {
  it("answers 200 without credentials, with a request id, through workerd's own entry point", async () => {
    const res = await exports.default.fetch(new Request(`${BASE}/health`));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("X-Request-Id")).toMatch(/^[\w-]+$/);
  });
});

describe("bench routes", () => {
  it("do not exist unless BENCH_ROUTES is on", async () => {
    const app = createApp({ card: bundledCard, scorer: idleScorer });
    const res = await app.request(`${BASE}/__bench/score`, request({ body: { client_ids: [1] } }), env);
    await expectProblem(res, 404);
    const on = await app.request(`${BASE}/__bench/score`, request({ body: { client_ids: [1] } }), {
      ...env,
      BENCH_ROUTES: "on",
    });
    await expectProblem(on, 401);
  });
});

describe("GET /ready", () => {
  it("200 with the active feature set when model, D1 and a matching set are there", async () => {
    const card = cardFor("fs-ready-test");
    const id = await seedFeatureSet(env.DB, {
      schemaHash: card.feature_schema_hash,
      historyFeatureCount: card.packed_history_features.length,
      featuresAsOf: "2026-10-31T12:00:00.000Z",
      clients: [],
    });
    const res = await get(createApp({ card, scorer: idleScorer }), "/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      model_version: card.version,
      feature_schema_hash: card.feature_schema_hash,
      feature_set_version: id,
      features_as_of: "2026-10-31T12:00:00.000Z",
      shards: [{ shard: 0, status: "ok", feature_set_version: id }],
    });
  });

  it("503 when no feature set is active for the model's schema hash", async () => {
    const card = cardFor("fs-nothing-active");
    await seedFeatureSet(env.DB, {
      schemaHash: "fs-some-other-schema",
      historyFeatureCount: card.packed_history_features.length,
      clients: [],
    });
    const problem = await expectProblem(await get(createApp({ card, scorer: idleScorer }), "/ready"), 503);
    expect(problem.detail).toContain("fs-nothing-active");
  });

  it("503 when the active set is not in the model's packed format", async () => {
    const card = cardFor("fs-other-format");
    await seedFeatureSet(env.DB, {
      schemaHash: card.feature_schema_hash,
      historyFeatureCount: card.packed_history_features.length,
      packedFormat: "json",
      clients: [],
    });
    const problem = await expectProblem(await get(createApp({ card, scorer: idleScorer }), "/ready"), 503);
    expect(problem.detail).toMatch(/packed as json/);
  });

  it("503 when the model cannot be loaded", async () => {
    const res = await get(createApp({ card: bundledCard, scorer: brokenModel }), "/ready");
    expect((await expectProblem(res, 503)).detail).toBe("the model is not loaded");
  });

  it("503 when D1 does not answer", async () => {
    const res = await get(createApp({ card: bundledCard, scorer: idleScorer }), "/ready", {
      ...env,
      DB: unreachableD1,
    });
    expect((await expectProblem(res, 503)).detail).toMatch(/D1/);
  });

  it("recovers after a failed model load: the next request tries again", async () => {
    const card = cardFor("fs-recovering");
    await seedFeatureSet(env.DB, {
      schemaHash: card.feature_schema_hash,
      historyFeatureCount: card.packed_history_features.length,
      clients: [],
    });
    let attempts = 0;
    const flaky = sharedInit(async () => {
      attempts++;
      if (attempts === 1) throw new Error("transient init failure");
      return {} as Scorer;
    });
    const app = createApp({ card, scorer: flaky });
    await expectProblem(await get(app, "/ready"), 503);
    expect((await get(app, "/ready")).status).toBe(200);
    expect((await get(app, "/ready")).status).toBe(200);
    expect(attempts).toBe(2);
  });
});

describe("503 from the scoring routes", () => {
  const post = (app: ReturnType<typeof createApp>, path: string, body: unknown, bindings: object = env) =>
    app.request(`${BASE}${path}`, request({ body, token: apiKeys().all }), bindings);

  it("when the model is not loaded (e.g. ORT's backend failed for this isolate)", async () => {
    const app = createApp({ card: bundledCard, scorer: brokenModel });
    await expectProblem(await post(app, "/v1/score", { client_id: 100002 }), 503);
    await expectProblem(await post(app, "/v1/score/batch", { client_ids: [100002] }), 503);
    await expectProblem(
      await post(app, "/v1/applications/score", { applications: [{ SK_ID_CURR: 1 }] }),
      503,
    );
  });

  it("when D1 does not answer", async () => {
    const app = createApp({ card: bundledCard, scorer: idleScorer });
    const down = { ...env, DB: unreachableD1 };
    await expectProblem(await post(app, "/v1/score", { client_id: 100002 }, down), 503);
    await expectProblem(await post(app, "/v1/score/batch", { client_ids: [100002] }, down), 503);
  });

  it("when no feature set is active for the model", async () => {
    const app = createApp({ card: cardFor("fs-never-synced"), scorer: idleScorer });
    const problem = await expectProblem(await post(app, "/v1/score", { client_id: 100002 }), 503);
    expect(problem.detail).toContain("fs-never-synced");
  });

  it("when D1 is down, a key that must be looked up there gets 503, not 401", async () => {
    const app = createApp({ card: bundledCard, scorer: idleScorer });
    const res = await app.request(`${BASE}/v1/model`, request({ token: "ce_some_d1_key" }), {
      ...env,
      DB: unreachableD1,
    });
    await expectProblem(res, 503);
  });
});
