import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { RequestRecorder } from "../../decisions/worker/record-request.ts";
import { bearerSecurity, problemResponses } from "../api/responses.ts";
import {
  BatchScoreRequestSchema,
  BatchScoreResponseSchema,
  ScoreRequestSchema,
  ScoreResultSchema,
} from "../api/schemas.ts";
import { validationHook } from "../api/validation.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { assertMayScoreClient, authorize } from "../middleware/authorize/index.ts";
import { scoreClient, scoreClients } from "../score/score-clients.ts";
import { scoringContext } from "./scoring-context.ts";

const score = createRoute({
  method: "post",
  path: "/v1/score",
  operationId: "scoreClient",
  tags: ["scoring"],
  summary: "Score one known client, optionally with other loan terms",
  description:
    "Probability of default, decision and up to four reasons. End users (JWT) may score only their own client.",
  security: bearerSecurity,
  middleware: [authorize({ scope: "score", endUsers: true })] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: ScoreRequestSchema } } },
  },
  responses: {
    200: {
      description: "The client's score",
      content: { "application/json": { schema: ScoreResultSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 413, 415, 429, 503),
  },
});

const batch = createRoute({
  method: "post",
  path: "/v1/score/batch",
  operationId: "scoreClients",
  tags: ["scoring"],
  summary: "Score up to 100 known clients",
  description: "Results in request order; a client that cannot be scored is an item error. API keys only.",
  security: bearerSecurity,
  middleware: [authorize({ scope: "score:batch", endUsers: false })] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: BatchScoreRequestSchema } } },
  },
  responses: {
    200: {
      description: "One result or item error per client",
      content: { "application/json": { schema: BatchScoreResponseSchema } },
    },
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

export function scoreRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(score, async (c) => {
    const { client_id, loan } = c.req.valid("json");
    assertMayScoreClient(c.get("principal"), client_id);
    const recorder = new RequestRecorder(c, deps, "/v1/score");
    const result = await scoreClient(scoringContext(c, deps, recorder), client_id, loan);
    await recorder.finish();
    return c.json(result, 200);
  });
  app.openapi(batch, async (c) => {
    const { client_ids } = c.req.valid("json");
    const recorder = new RequestRecorder(c, deps, "/v1/score/batch");
    const results = await scoreClients(scoringContext(c, deps, recorder), client_ids);
    await recorder.finish();
    return c.json({ request_id: c.get("requestId"), results }, 200);
  });
  return app;
}
