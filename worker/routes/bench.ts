import { Hono, type MiddlewareHandler } from "hono";
import type { AppDeps } from "../app.ts";
import { timeScoring } from "../bench/time-scoring.ts";
import type { AppEnv } from "../env.ts";
import { badRequest, notFound } from "../problem/api-error.ts";
import { availableScorer } from "../score/scorer-source.ts";
import { onlineStoreOf } from "../store/store-of-env.ts";
import { decodeStoredClient } from "../store/stored-client.ts";

/** 404, as for any unknown route, unless BENCH_ROUTES is "on". */
export function benchRoutesEnabled(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.env.BENCH_ROUTES !== "on") throw notFound(`no route for ${c.req.method} ${c.req.path}`);
    await next();
  };
}

/**
 * POST /__bench/score {"client_ids": [...], "rounds": n}: in-isolate scoring time for `npm run bench:worker`.
 * Absent (404) unless BENCH_ROUTES is "on", authenticated like /v1; not part of the API contract.
 */
export function benchRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post("/__bench/score", async (c) => {
    const body = (await c.req.json().catch(() => null)) as { client_ids?: unknown; rounds?: unknown } | null;
    const ids = Array.isArray(body?.client_ids) ? body.client_ids.filter(Number.isSafeInteger) : [];
    const rounds = Number(body?.rounds ?? 50);
    if (ids.length === 0 || ids.length > 100 || !Number.isInteger(rounds) || rounds < 1 || rounds > 1000)
      throw badRequest("expected client_ids (1 to 100 known ids) and rounds (1 to 1000)");
    const scorer = await availableScorer(deps.scorer);
    const lookup = await onlineStoreOf(c.env).clients(deps.card.feature_schema_hash, ids as number[]);
    const inputs = lookup.found().map((v) => decodeStoredClient(v, deps.card));
    if (inputs.length === 0) throw notFound("none of these clients is in the active feature set");
    return c.json({
      clients: inputs.length,
      model_and_reasons_ms: await timeScoring(scorer, inputs, rounds, true),
      model_only_ms: await timeScoring(scorer, inputs, rounds, false),
      // Per row, all rows in one call: what a 100-row request costs each row.
      model_and_reasons_batched_ms: await timeScoring(scorer, inputs, rounds, true, true),
    });
  });
  return app;
}
