import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ModelCard } from "../../scoring/model-card.ts";
import { renderDocs } from "../docs/render-docs.ts";
import type { AppEnv } from "../env.ts";

const DESCRIPTION =
  "Credit-default scoring of Home Credit clients: calibrated probability of default, a decision from the " +
  "model's policy, and the principal reasons (TreeSHAP). Authenticate with `Authorization: Bearer <API key>` " +
  "(service callers) or `Bearer <JWT>` (end users: their own client only). Errors are RFC 9457 problem+json.";

/**
 * GET /openapi.json, generated from the zod schemas that validate requests, and GET /docs, the same
 * document as HTML. Registered last, on the root app, so the document covers every route.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>, card: ModelCard): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A service API key, or an end user's JWT (ES256/RS256) whose `sub` is their client id",
  });
  const config = {
    openapi: "3.1.0",
    info: {
      title: "credit-edge scoring API",
      version: `1 (model ${card.version})`,
      description: DESCRIPTION,
    },
  };
  // The routes are fixed once the app is built: render each document once per isolate.
  let json: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  let html: string | undefined;
  const document = () => {
    json ??= app.getOpenAPI31Document(config);
    return json;
  };
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", (c) => {
    html ??= renderDocs(document());
    return c.html(html);
  });
}
