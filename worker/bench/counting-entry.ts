import { createApp } from "../app.ts";
import type { Bindings } from "../env.ts";
import { bundledCard, bundledScorer } from "../inference/bundled-model.ts";
import { countingEnv, newCounts } from "./counting-d1.ts";

// `npm run bench:scale` serves this instead of worker/index.ts: the same app, its D1 bindings counted, so
// the HTTP load measures D1 queries per request on the real path. GET /__bench/d1-counts reads the counts,
// POST resets them. Never deployed (wrangler.toml's main is worker/index.ts).

const app = createApp({ card: bundledCard, scorer: bundledScorer });
bundledScorer().catch(() => {});
let counts = newCounts();
let requests = 0;

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/__bench/d1-counts") {
      if (request.method === "POST") {
        counts = newCounts();
        requests = 0;
      }
      return Response.json({ requests, ...counts });
    }
    if (pathname.startsWith("/v1/")) requests++;
    return app.fetch(request, countingEnv(env, counts), ctx);
  },
};
