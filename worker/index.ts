import { env } from "cloudflare:workers";
import { consumeRecords } from "../decisions/worker/consumer.ts";
import { createApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import { bundledChallenger } from "./inference/bundled-challenger.ts";
import { bundledCard, bundledScorer } from "./inference/bundled-model.ts";

// Load the model as the isolate starts (workerd evaluates this module before the first request; Cloudflare
// while the TLS handshake runs), so the first request finds it ready. A failure here is forgotten: the
// first request that needs the model tries again, and answers 503 if that fails too.
if (env.LOAD_MODEL_AT_STARTUP !== "false") bundledScorer().catch(() => {});

// The scoring API: the Hono app over the model bundled with this Worker.
const app = createApp({
  card: bundledCard,
  scorer: bundledScorer,
  ...(bundledChallenger ? { challenger: bundledChallenger } : {}),
});

export default {
  fetch: app.fetch,
  // The decision records' consumer: queue batches -> NDJSON objects in R2 (decisions/worker/consumer.ts).
  queue: (batch, bindings) => consumeRecords(batch, bindings.DECISIONS_BUCKET),
} satisfies ExportedHandler<Bindings>;
