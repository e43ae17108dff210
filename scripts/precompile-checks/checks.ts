import type { z } from "@hono/zod-openapi";
import { RecordLineSchema } from "../../decisions/record/schema.ts";
import { ApplicationsScoreRequestSchema } from "../../worker/api/schemas.ts";

/**
 * The values validated by a precompiled check before zod: the large ones, where zod's interpreter costs
 * most in workerd (100 applications of ~120 columns; every decision record the queue consumer stores).
 * Each generated module is committed beside its user; test/node/precompiled-checks.test.ts fails when one
 * is not what its schema generates.
 */
export const PRECOMPILED_CHECKS: readonly { path: string; schema: z.ZodType }[] = [
  // Used by worker/api/precompiled/fast-path.ts for the route's body.
  { path: "worker/api/precompiled/applications-request.check.js", schema: ApplicationsScoreRequestSchema },
  // Used by the queue consumer (decisions/worker/consumer.ts) for each message.
  { path: "decisions/worker/record-line.check.js", schema: RecordLineSchema },
];
