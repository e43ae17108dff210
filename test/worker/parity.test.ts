import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  ApplicationsScoreResponseSchema,
  BatchScoreResponseSchema,
  MAX_BATCH,
  type ScoreResult,
  ScoreResultSchema,
} from "../../worker/api/schemas.ts";
import { PARITY_CLIENTS } from "../support/worker-test-context.ts";
import { apiKeys, call, seedParityClients } from "./helpers.ts";

// The Worker (onnxruntime-web in workerd, history from D1) against `credit-edge score` (onnxruntime-node,
// history from the DuckDB warehouse) on the same applications: probabilities within 1e-6, and reasons equal
// to the Node-side Scorer's. Three quarters of the clients are in D1; the rest are new applicants to it.

const parity = inject("parity");
const seeded = parity.clients.slice(0, Math.floor(PARITY_CLIENTS * 0.75));
const notSeeded = parity.clients.slice(seeded.length);
const token = () => apiKeys().all;

beforeAll(async () => {
  await seedParityClients(seeded);
});

const chunks = <T>(items: readonly T[], size: number) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

describe(`Worker vs offline scoring on ${PARITY_CLIENTS} clients`, () => {
  it("has the fixture it was promised", () => {
    expect(parity.clients).toHaveLength(PARITY_CLIENTS);
    expect(new Set(parity.clients.map((c) => c.clientId)).size).toBe(PARITY_CLIENTS);
  });

  it("POST /v1/score matches `credit-edge score` for every stored client, reasons included", async () => {
    let worst = 0;
    for (const client of seeded) {
      const res = await call("/v1/score", { body: { client_id: client.clientId }, token: token() });
      expect(res.status).toBe(200);
      const result: ScoreResult = ScoreResultSchema.parse(await res.json());
      worst = Math.max(worst, Math.abs(result.probability - client.probability));
      expect(result.reasons.map((r) => [r.feature, r.value])).toEqual(
        client.reasons.map((r) => [r.feature, r.value]),
      );
      result.reasons.forEach((r, i) => {
        expect(Math.abs(r.contribution - client.reasons[i]!.contribution)).toBeLessThanOrEqual(1e-9);
      });
    }
    console.log(
      `parity: largest |Worker - offline| probability difference over ${seeded.length} clients: ${worst}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it("POST /v1/score/batch matches too, in request order", async () => {
    for (const chunk of chunks(seeded, MAX_BATCH)) {
      const res = await call("/v1/score/batch", {
        body: { client_ids: chunk.map((c) => c.clientId) },
        token: token(),
      });
      const { results } = BatchScoreResponseSchema.parse(await res.json());
      results.forEach((result, i) => {
        expect(result.client_id).toBe(chunk[i]!.clientId);
        if ("error" in result) throw new Error(`client ${result.client_id}: ${result.error.detail}`);
        expect(Math.abs(result.probability - chunk[i]!.probability)).toBeLessThanOrEqual(1e-6);
      });
    }
  });

  it("POST /v1/applications/score matches with history for stored clients and without for the rest", async () => {
    const expected = new Map([
      ...seeded.map((c) => [c.clientId, c.probability] as const),
      ...notSeeded.map((c) => [c.clientId, c.probabilityWithoutHistory] as const),
    ]);
    for (const chunk of chunks(parity.clients, MAX_BATCH)) {
      const applications = chunk.map((c) => ({ SK_ID_CURR: c.clientId, ...c.application }));
      const res = await call("/v1/applications/score", { body: { applications }, token: token() });
      expect(res.status).toBe(200);
      const { results } = ApplicationsScoreResponseSchema.parse(await res.json());
      expect(results.map((r) => r.client_id)).toEqual(chunk.map((c) => c.clientId));
      for (const result of results)
        expect(Math.abs(result.probability - expected.get(result.client_id)!)).toBeLessThanOrEqual(1e-6);
    }
    // The two offline runs do differ, so the comparison tells history from no history.
    expect(notSeeded.some((c) => Math.abs(c.probability - c.probabilityWithoutHistory) > 1e-3)).toBe(true);
  });
});
