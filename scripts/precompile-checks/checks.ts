import type { z } from "@hono/zod-openapi";
import { ApplicationsScoreRequestSchema } from "../../worker/api/schemas.ts";

/** Where the generated modules go, beside the fast path that uses them. */
export const PRECOMPILED_DIR = "worker/api/precompiled";

/**
 * The request bodies validated by a precompiled check before zod (worker/api/precompiled/fast-path.ts): the large ones, where
 * zod's interpreter costs most (100 applications of ~120 columns). Each generated file is committed and
 * test/node/precompiled-checks.test.ts fails when it is not what its schema generates.
 */
export const PRECOMPILED_CHECKS: readonly { file: string; schema: z.ZodType }[] = [
  { file: "applications-request.check.js", schema: ApplicationsScoreRequestSchema },
];
