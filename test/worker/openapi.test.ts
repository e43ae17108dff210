import { describe, expect, it } from "vitest";
import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { call } from "./helpers.ts";

// The contract: /openapi.json is generated from the zod schemas that validate requests; /docs renders it.

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<string, { requestBody?: unknown; responses: Record<string, unknown>; security?: unknown[] }>
  >;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    securitySchemes: Record<string, unknown>;
  };
}

const ENDPOINTS: [string, string][] = [
  ["get", "/health"],
  ["get", "/ready"],
  ["get", "/v1/model"],
  ["post", "/v1/score"],
  ["post", "/v1/score/batch"],
  ["post", "/v1/applications/score"],
];

describe("GET /openapi.json", () => {
  it("describes every endpoint, without credentials", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Document;
    expect(doc.openapi).toBe("3.1.0");
    for (const [method, path] of ENDPOINTS)
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/__bench"))).toBe(false);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("documents each error status a scoring route answers, as problem+json", async () => {
    const doc = (await (await call("/openapi.json")).json()) as Document;
    const score = doc.paths["/v1/score"]!.post!;
    expect(Object.keys(score.responses).sort()).toEqual([
      "200",
      "400",
      "401",
      "403",
      "404",
      "413",
      "415",
      "429",
      "503",
    ]);
    expect(score.responses["400"]).toMatchObject({
      content: { "application/problem+json": expect.anything() },
    });
    expect(score.security).toEqual([{ bearer: [] }]);
  });

  it("derives the application schema from the application columns", async () => {
    const doc = (await (await call("/openapi.json")).json()) as Document;
    const application = doc.components.schemas.Application!;
    expect(Object.keys(application.properties!).sort()).toEqual(
      ["SK_ID_CURR", ...APPLICATION_COLUMNS.map((c) => c.name)].sort(),
    );
    expect(application.required).toEqual(["SK_ID_CURR"]);
    const score = doc.components.schemas.ScoreResult!;
    expect(Object.keys(score.properties!).sort()).toEqual([
      "client_id",
      "decision",
      "feature_set_version",
      "features_as_of",
      "model_version",
      "probability",
      "reason_codes",
      "reasons",
      "request_id",
    ]);
  });
});

describe("GET /docs", () => {
  it("is the reference page: the renderer from this Worker's static assets, under a same-origin CSP", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = res.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/docs/assets/api-reference.js", "/docs/assets/docs.js"]);
    // Nothing from another origin, and no inline script the CSP would have to allow.
    expect(html).not.toMatch(/(src|href)=["']https?:|@import|<script>/);
  });
});

describe("the public routes in the contract", () => {
  it("declare no security requirement and name their operation ids", async () => {
    const doc = (await (await call("/openapi.json")).json()) as Document & {
      servers: { url: string }[];
      info: { license?: Record<string, string> };
    };
    expect(doc.paths["/health"]!.get!.security).toEqual([]);
    expect(doc.paths["/ready"]!.get!.security).toEqual([]);
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/" })]);
    expect(doc.info.license).toMatchObject({ name: "Proprietary", identifier: expect.any(String) });
    const ids = Object.fromEntries(
      ENDPOINTS.map(([method, path]) => [
        `${method} ${path}`,
        (doc.paths[path]![method] as { operationId?: string }).operationId,
      ]),
    );
    expect(ids).toEqual({
      "get /health": "getHealth",
      "get /ready": "getReady",
      "get /v1/model": "getModel",
      "post /v1/score": "scoreClient",
      "post /v1/score/batch": "scoreClients",
      "post /v1/applications/score": "scoreApplications",
    });
  });
});
