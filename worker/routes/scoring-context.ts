import type { Context } from "hono";
import type { RequestRecorder } from "../../decisions/worker/record-request.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import type { ScoringContext } from "../score/score-clients.ts";
import { OnlineStore } from "../store/online-store.ts";

/** What the scoring functions need, from the app's dependencies and this request. */
export function scoringContext(
  c: Context<AppEnv>,
  deps: AppDeps,
  recorder?: RequestRecorder,
): ScoringContext {
  return {
    card: deps.card,
    scorer: deps.scorer,
    store: new OnlineStore(c.env.DB),
    requestId: c.get("requestId"),
    ...(recorder ? { onScored: recorder.onScored } : {}),
  };
}
