import { beforeAll, describe, expect, inject, it } from "vitest";
import { decide } from "../../scoring/model-card.ts";
import {
  ApplicationsScoreResponseSchema,
  BatchScoreResponseSchema,
  ScoreResultSchema,
} from "../../worker/api/schemas.ts";
import { bundledCard } from "../../worker/inference/bundled-model.ts";
import { apiKeys, call, expectProblem, seedParityClients, signToken } from "./helpers.ts";

// The scoring routes end to end on a real local D1, with the bundled model in onnxruntime-web. Expected
// probabilities are the offline scorer's (global setup), never numbers written here.

const parity = inject("parity");
const known = parity.clients.slice(0, 30);
const unknown = parity.clients.slice(30, 40);
const token = () => apiKeys().all;
let featureSetId: number;

beforeAll(async () => {
  featureSetId = await seedParityClients(known, "2026-11-01T00:00:00.000Z");
});

async function scoreOf(body: unknown, bearer = token()) {
  const res = await call("/v1/score", { body, token: bearer });
  expect(res.status).toBe(200);
  return ScoreResultSchema.strict().parse(await res.json());
}

describe("POST /v1/score", () => {
  it("scores a known client: the contract's fields, the offline probability, the policy's decision", async () => {
    const client = known[0]!;
    const res = await call("/v1/score", { body: { client_id: client.clientId }, token: token() });
    expect(res.status).toBe(200);
    const body = ScoreResultSchema.strict().parse(await res.json());
    expect(body.request_id).toBe(res.headers.get("X-Request-Id"));
    expect(body.client_id).toBe(client.clientId);
    expect(Math.abs(body.probability - client.probability)).toBeLessThanOrEqual(1e-6);
    expect(body.decision).toBe(decide(body.probability, bundledCard.policy));
    expect(body.model_version).toBe(bundledCard.version);
    expect(body.feature_set_version).toBe(featureSetId);
    expect(body.features_as_of).toBe("2026-11-01T00:00:00.000Z");
  });

  it("gives up to four reasons, all raising the risk, strongest first, described", async () => {
    let withReasons = 0;
    for (const client of known.slice(0, 10)) {
      const { reasons } = await scoreOf({ client_id: client.clientId });
      expect(reasons.length).toBeLessThanOrEqual(4);
      reasons.forEach((reason, i) => {
        expect(reason.contribution).toBeGreaterThan(0);
        if (i > 0) expect(reason.contribution).toBeLessThanOrEqual(reasons[i - 1]!.contribution);
        const feature = bundledCard.features.find((f) => f.name === reason.feature);
        expect(reason.description).toBe(feature?.description);
      });
      if (reasons.length) withReasons++;
    }
    expect(withReasons).toBeGreaterThan(0);
  });

  it("recomputes the derived features for other loan terms, as the application itself would", async () => {
    const client = known[1]!;
    const loan = { amount: 750_000, annuity: 41_000, goods_price: 700_000 };
    const overridden = await scoreOf({ client_id: client.clientId, loan });
    // The same terms written into the application, scored through the applications route.
    const application = {
      ...client.application,
      SK_ID_CURR: client.clientId,
      AMT_CREDIT: loan.amount,
      AMT_ANNUITY: loan.annuity,
      AMT_GOODS_PRICE: loan.goods_price,
    };
    const res = await call("/v1/applications/score", {
      body: { applications: [application] },
      token: token(),
    });
    const [viaApplication] = ApplicationsScoreResponseSchema.parse(await res.json()).results;
    expect(overridden.probability).toBe(viaApplication!.probability);
    expect(overridden.reasons).toEqual(viaApplication!.reasons);
    // And the terms matter: the loan's own ratios are model inputs.
    const plain = await scoreOf({ client_id: client.clientId });
    expect(overridden.probability).not.toBe(plain.probability);
  });

  it("keeps the application's goods price when the loan omits it", async () => {
    const client = known[2]!;
    const loan = {
      amount: Number(client.application.AMT_CREDIT) * 1.5,
      annuity: Number(client.application.AMT_ANNUITY) * 1.5,
    };
    const overridden = await scoreOf({ client_id: client.clientId, loan });
    const res = await call("/v1/applications/score", {
      body: {
        applications: [
          {
            ...client.application,
            SK_ID_CURR: client.clientId,
            AMT_CREDIT: loan.amount,
            AMT_ANNUITY: loan.annuity,
          },
        ],
      },
      token: token(),
    });
    expect(overridden.probability).toBe(
      ApplicationsScoreResponseSchema.parse(await res.json()).results[0]!.probability,
    );
  });

  it("404 for a client the active feature set does not hold", async () => {
    const problem = await expectProblem(
      await call("/v1/score", { body: { client_id: unknown[0]!.clientId }, token: token() }),
      404,
    );
    expect(problem.detail).toContain(String(unknown[0]!.clientId));
  });

  it("lets an end user score their own client", async () => {
    const client = known[3]!;
    const body = await scoreOf(
      { client_id: client.clientId },
      await signToken({ sub: String(client.clientId) }),
    );
    expect(Math.abs(body.probability - client.probability)).toBeLessThanOrEqual(1e-6);
  });
});

describe("POST /v1/score/batch", () => {
  it("answers in request order, duplicates and unknown clients included", async () => {
    const ids = [
      known[5]!.clientId,
      unknown[0]!.clientId,
      known[4]!.clientId,
      known[5]!.clientId,
      unknown[1]!.clientId,
    ];
    const res = await call("/v1/score/batch", { body: { client_ids: ids }, token: token() });
    expect(res.status).toBe(200);
    const body = BatchScoreResponseSchema.parse(await res.json());
    expect(body.request_id).toBe(res.headers.get("X-Request-Id"));
    expect(body.results.map((r) => r.client_id)).toEqual(ids);
    for (const result of body.results) {
      const client = parity.clients.find((c) => c.clientId === result.client_id)!;
      if ("error" in result) {
        expect(unknown).toContain(client);
        expect(result.error).toMatchObject({ status: 404, title: "Not Found" });
      } else {
        expect(known).toContain(client);
        expect(Math.abs(result.probability - client.probability)).toBeLessThanOrEqual(1e-6);
        expect(result.feature_set_version).toBe(featureSetId);
      }
    }
    // The same answer as one client at a time.
    const single = await scoreOf({ client_id: known[4]!.clientId });
    const fromBatch = body.results[2]!;
    expect("error" in fromBatch ? null : { ...fromBatch, request_id: single.request_id }).toEqual(single);
  });

  it("takes the maximum of 100 clients", async () => {
    const ids = Array.from({ length: 100 }, (_, i) => known[i % known.length]!.clientId);
    const res = await call("/v1/score/batch", { body: { client_ids: ids }, token: token() });
    const body = BatchScoreResponseSchema.parse(await res.json());
    expect(body.results).toHaveLength(100);
    expect(body.results.every((r) => !("error" in r))).toBe(true);
  });
});

describe("POST /v1/applications/score", () => {
  it("scores new applications in order: history from D1 when known, missing otherwise", async () => {
    const clients = [known[6]!, unknown[2]!, known[7]!];
    const applications = clients.map((c) => ({
      ...c.application,
      SK_ID_CURR: c.clientId,
      TARGET: 1,
      NOT_A_COLUMN: "x",
    }));
    const res = await call("/v1/applications/score", { body: { applications }, token: token() });
    expect(res.status).toBe(200);
    const { results } = ApplicationsScoreResponseSchema.parse(await res.json());
    expect(results.map((r) => r.client_id)).toEqual(clients.map((c) => c.clientId));
    expect(Math.abs(results[0]!.probability - clients[0]!.probability)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(results[1]!.probability - clients[1]!.probabilityWithoutHistory)).toBeLessThanOrEqual(
      1e-6,
    );
    expect(Math.abs(results[2]!.probability - clients[2]!.probability)).toBeLessThanOrEqual(1e-6);
    expect(results.map((r) => r.feature_set_version)).toEqual([featureSetId, null, featureSetId]);
    expect(results[1]!.features_as_of).toBeNull();
  });
});

describe("GET /ready and GET /v1/model", () => {
  it("is ready once the model is loaded and the set is active", async () => {
    const res = await call("/ready");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", feature_set_version: featureSetId });
  });

  it("publishes the card's public part", async () => {
    const res = await call("/v1/model", { token: token() });
    expect(await res.json()).toMatchObject({
      version: bundledCard.version,
      feature_schema_hash: bundledCard.feature_schema_hash,
      feature_count: bundledCard.features.length,
      policy: {
        approve_below: bundledCard.policy.approve_below,
        decline_from: bundledCard.policy.decline_from,
      },
      metrics: { cv_auc: { mean: bundledCard.metrics.cv_auc.mean } },
    });
  });
});
