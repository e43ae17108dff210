import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { ModelCard } from "../scoring/model-card.ts";
import { validationHook } from "./api/validation.ts";
import type { AppEnv } from "./env.ts";
import { authenticate } from "./middleware/auth/index.ts";
import { authorize } from "./middleware/authorize/index.ts";
import { problemErrorHandler, problemNotFound } from "./middleware/error-handler/index.ts";
import { byClientIp, byPrincipal, rateLimit } from "./middleware/rate-limit/index.ts";
import { requestId } from "./middleware/request-id/index.ts";
import { requestLog } from "./middleware/request-log/index.ts";
import { securityHeaders } from "./middleware/security-headers/index.ts";
import { applicationRoutes } from "./routes/applications.ts";
import { benchRoutes, benchRoutesEnabled } from "./routes/bench.ts";
import { registerDocs } from "./routes/docs.ts";
import { healthRoutes } from "./routes/health.ts";
import { modelRoutes } from "./routes/model.ts";
import { scoreRoutes } from "./routes/score.ts";
import type { ScorerSource } from "./score/scorer-source.ts";

/** What the app is built from: the bundled model in production, stand-ins in failure tests. */
export interface AppDeps {
  card: ModelCard;
  scorer: ScorerSource;
  /** A challenger scored in shadow after the response (CHALLENGER_SHADOW=on), when one is bundled. */
  challenger?: ScorerSource;
}

/** 100 applications of ~120 columns are ~0.5 MB of JSON; anything beyond 1 MiB is not a request of ours. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The rate limiter's period (wrangler.toml [[ratelimits]] simple.period): when to come back. */
const RATE_LIMIT_PERIOD_SECONDS = 60;

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(problemErrorHandler());
  app.notFound(problemNotFound());
  app.use(requestId(), securityHeaders(), requestLog());
  // The public routes are limited per client IP: /ready queries D1 and may rebuild the model.
  const perIp = rateLimit({
    limiter: (env) => env.PUBLIC_RATE_LIMITER,
    key: byClientIp,
    retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS,
  });
  app.use("/health", perIp);
  app.use("/ready", perIp);
  // Who is calling before anything else is spent on the request: no body is read, no D1 queried for
  // scoring, until the caller is known. Then the caller's own limit, then the body's size.
  const auth = authenticate({
    failureLimiter: (env) => env.AUTH_FAILURE_RATE_LIMITER,
    periodSeconds: RATE_LIMIT_PERIOD_SECONDS,
  });
  const perPrincipal = rateLimit({
    limiter: (env) => env.RATE_LIMITER,
    key: byPrincipal,
    retryAfterSeconds: RATE_LIMIT_PERIOD_SECONDS,
  });
  app.use("/v1/*", auth, perPrincipal, bodyLimit({ maxSize: MAX_BODY_BYTES }));
  // Bench routes burn CPU on purpose: absent unless BENCH_ROUTES is on, and even then only for keys with
  // the `bench` scope, rate-limited like the API.
  app.use(
    "/__bench/*",
    benchRoutesEnabled(),
    auth,
    perPrincipal,
    authorize({ scope: "bench", endUsers: false }),
  );
  app.route("/", healthRoutes(deps));
  app.route("/", modelRoutes(deps));
  app.route("/", scoreRoutes(deps));
  app.route("/", applicationRoutes(deps));
  app.route("/", benchRoutes(deps));
  registerDocs(app, deps.card);
  return app;
}
