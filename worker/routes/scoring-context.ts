import type { Context } from "hono";
import type { RequestRecorder } from "../../decisions/worker/record-request.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import type { ScoringContext } from "../score/score-clients.ts";
import { onlineStoreOf } from "../store/store-of-env.ts";

/** What the scoring functions need, from the app's dependencies and this request. */
export function scoringContext(
  c: Context<AppEnv>,
  deps: AppDeps,
  recorder?: RequestRecorder,
): ScoringContext {
  return {
    card: deps.card,
    scorer: deps.scorer,
    store: onlineStoreOf(c.env),
    requestId: c.get("requestId"),
    ...(recorder ? { onScored: recorder.onScored } : {}),
  };
}
