import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ModelCard } from "../../scoring/model-card.ts";
import { DOCS_CSP, DOCS_PAGE } from "../docs/docs-page.ts";
import type { AppEnv } from "../env.ts";

const DESCRIPTION =
  "Credit-default scoring of Home Credit clients: calibrated probability of default, a decision from the " +
  "model's policy, and the principal reasons (TreeSHAP). Authenticate with `Authorization: Bearer <API key>` " +
  "(service callers) or `Bearer <JWT>` (end users: their own client only). Errors are RFC 9457 problem+json.";

type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/**
 * GET /openapi.json, generated from the zod schemas that validate requests, and GET /docs, the reference
 * page that renders it. Registered last, on the root app, so the document covers every route.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>, card: ModelCard): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A service API key, or an end user's JWT (ES256/RS256) whose `sub` is their client id",
  });
  // The server URL is relative ("/"): OpenAPI resolves it against wherever the document was fetched, so
  // it names this deployment on any hostname without configuration.
  const build = (): OpenApiDocument => {
    const generated = app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "credit-edge scoring API",
        version: `1 (model ${card.version})`,
        description: DESCRIPTION,
      },
      servers: [{ url: "/", description: "This deployment (the origin serving this document)" }],
    });
    // An OpenAPI 3.1 license with an SPDX identifier (the generator's types know only 3.0's name + url).
    const license = { name: "Proprietary", identifier: "LicenseRef-Proprietary" } as { name: string };
    return { ...generated, info: { ...generated.info, license } };
  };
  // The routes are fixed once the app is built: one document per isolate.
  let document: OpenApiDocument | undefined;
  app.get("/openapi.json", (c) => {
    document ??= build();
    return c.json(document);
  });
  app.get("/docs", (c) => {
    c.header("Content-Security-Policy", DOCS_CSP);
    return c.html(DOCS_PAGE);
  });
}
