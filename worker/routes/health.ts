import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { problemResponses } from "../api/responses.ts";
import { HealthSchema, ReadySchema } from "../api/schemas.ts";
import { validationHook } from "../api/validation.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { configuredKeys } from "../middleware/auth/configured-keys.ts";
import { serviceUnavailable } from "../problem/api-error.ts";
import { checkReadiness } from "../readiness.ts";
import { onlineStoreOf } from "../store/store-of-env.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["operations"],
  summary: "Liveness: the Worker answers",
  security: [],
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } },
    ...problemResponses(429),
  },
});

const ready = createRoute({
  method: "get",
  path: "/ready",
  operationId: "getReady",
  tags: ["operations"],
  summary: "Readiness: model loaded, D1 answering, a feature set active for the model's schema",
  description:
    "`ready`: the model is loaded and every shard of the online store serves the model's feature set. " +
    "`degraded` (still 200): some shards do not; clients on them answer 503 with Retry-After, every other client is scored. " +
    "503: the model is not loaded or no shard serves. `shards` lists each shard's state.",
  security: [],
  responses: {
    200: { description: "Ready to score", content: { "application/json": { schema: ReadySchema } } },
    ...problemResponses(429, 503),
  },
});

export function healthRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(health, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(ready, async (c) => {
    const keys = configuredKeys(c.env.SCORING_API_KEYS, c.env.ALLOW_PLAIN_API_KEYS);
    const readiness = await checkReadiness(deps.card, deps.scorer, onlineStoreOf(c.env), keys);
    if (!readiness.ready) throw serviceUnavailable(readiness.reason);
    return c.json(
      {
        status: readiness.degraded ? ("degraded" as const) : ("ready" as const),
        model_version: deps.card.version,
        feature_schema_hash: deps.card.feature_schema_hash,
        feature_set_version: readiness.featureSet.id,
        features_as_of: readiness.featureSet.featuresAsOf,
        shards: readiness.shards.map((s) => ({
          shard: s.shard,
          status: s.status,
          feature_set_version: s.featureSet?.id ?? null,
          ...(s.detail ? { detail: s.detail } : {}),
        })),
      },
      200,
    );
  });
  return app;
}
