import createClient from "openapi-fetch";
// Generated from the Worker's served /openapi.json by openapi-typescript (test/node/api-contract.test.ts
// writes it before type-checking this file): what a mobile or backend team would generate.
import type { components, paths } from "./generated/credit-edge-api.ts";

export type ScoreResult = components["schemas"]["ScoreResult"];

/**
 * A typed client of the scoring API on openapi-fetch, one function per operation. The paths, bodies and
 * results are checked by tsc against the generated types, so a contract change that breaks callers breaks
 * this file's type-check.
 */
export function creditEdgeClient(baseUrl: string, apiKey: string) {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });
  return {
    getHealth: () => client.GET("/health"),
    getReady: () => client.GET("/ready"),
    getModel: () => client.GET("/v1/model"),
    scoreClient: (clientId: number, loan?: { amount: number; annuity: number; goods_price?: number }) =>
      client.POST("/v1/score", { body: { client_id: clientId, ...(loan ? { loan } : {}) } }),
    scoreClients: (clientIds: number[]) =>
      client.POST("/v1/score/batch", { body: { client_ids: clientIds } }),
    scoreApplications: (applications: components["schemas"]["ApplicationsScoreRequest"]["applications"]) =>
      client.POST("/v1/applications/score", { body: { applications } }),
  };
}
