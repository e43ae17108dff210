import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { RequestRecorder } from "../../decisions/worker/record-request.ts";
import { applicationRecord } from "../api/application-schema.ts";
import { check as applicationsRequestCheck } from "../api/precompiled/applications-request.check.js";
import { withPrecompiledCheck } from "../api/precompiled/fast-path.ts";
import { bearerSecurity, problemResponses } from "../api/responses.ts";
import { ApplicationsScoreRequestSchema, ApplicationsScoreResponseSchema } from "../api/schemas.ts";
import { validationHook } from "../api/validation.ts";
import type { AppDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { assertMayScoreApplications, authorize } from "../middleware/authorize/index.ts";
import { scoreApplications } from "../score/score-clients.ts";
import { scoringContext } from "./scoring-context.ts";

const applications = createRoute({
  method: "post",
  path: "/v1/applications/score",
  operationId: "scoreApplications",
  tags: ["scoring"],
  summary: "Score up to 100 new applications",
  description:
    "Applications keyed by the application_train.csv columns. History comes from the online store when it knows the SK_ID_CURR, and is missing otherwise. API keys only: one application needs the `score` scope, more than one `score:batch` (each reads a stored client).",
  security: bearerSecurity,
  middleware: [authorize({ scope: "score", endUsers: false })] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: withPrecompiledCheck(ApplicationsScoreRequestSchema, applicationsRequestCheck),
        },
      },
    },
  },
  responses: {
    200: {
      description: "One result per application, in request order",
      content: { "application/json": { schema: ApplicationsScoreResponseSchema } },
    },
    ...problemResponses(400, 401, 403, 413, 415, 429, 503),
  },
});

export function applicationRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(applications, async (c) => {
    const body = c.req.valid("json");
    assertMayScoreApplications(c.get("principal"), body.applications.length);
    const items = body.applications.map((a) => ({ clientId: a.SK_ID_CURR, record: applicationRecord(a) }));
    const recorder = new RequestRecorder(c, deps, "/v1/applications/score");
    const results = await scoreApplications(scoringContext(c, deps, recorder), items);
    await recorder.finish();
    return c.json({ request_id: c.get("requestId"), results }, 200);
  });
  return app;
}
