import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bearerSecurity, problemResponses } from "../api/responses.ts";
import { ModelInfoSchema } from "../api/schemas.ts";
import { validationHook } from "../api/validation.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { modelInfo } from "../model-info.ts";

const model = createRoute({
  method: "get",
  path: "/v1/model",
  operationId: "getModel",
  tags: ["model"],
  summary: "The model served: version, feature schema, metrics, policy thresholds",
  security: bearerSecurity,
  responses: {
    200: {
      description: "The public model card",
      content: { "application/json": { schema: ModelInfoSchema } },
    },
    ...problemResponses(401, 429, 503),
  },
});

export function modelRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const info = modelInfo(deps.card);
  app.openapi(model, (c) => c.json(info, 200));
  return app;
}
