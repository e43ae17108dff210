import type { OpenAPIHono } from "@hono/zod-openapi";

type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;
type Json = Record<string, unknown>;

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

function escapeHtml(text: unknown): string {
  return String(text ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** A schema as a link to its component when it is a $ref, else inline JSON. */
function schemaHtml(schema: unknown): string {
  const ref = (schema as Json | undefined)?.$ref;
  if (typeof ref === "string") {
    const name = ref.split("/").pop()!;
    return `<a href="#schema-${escapeHtml(name)}">${escapeHtml(name)}</a>`;
  }
  return schema ? `<pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>` : "";
}

function contentHtml(content: unknown): string {
  return Object.entries((content ?? {}) as Record<string, Json>)
    .map(([type, media]) => `<code>${escapeHtml(type)}</code> ${schemaHtml(media.schema)}`)
    .join("<br>");
}

function operationHtml(path: string, method: string, op: Json): string {
  const body = (op.requestBody as Json | undefined)?.content;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
    .map(
      ([status, r]) =>
        `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(r.description)}</td><td>${contentHtml(r.content)}</td></tr>`,
    )
    .join("");
  const secured = Array.isArray(op.security) && op.security.length > 0;
  return `<section class="op">
<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code>${secured ? ' <span class="lock">Bearer</span>' : ""}</h3>
<p>${escapeHtml(op.summary)}</p>${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ""}
${body ? `<p><b>Request body</b>: ${contentHtml(body)}</p>` : ""}
<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>${responses}</table>
</section>`;
}

/**
 * The API reference as one self-contained HTML page, rendered from the OpenAPI document itself (no CDN
 * assets: Swagger UI and Scalar load theirs from one, which fails offline and adds a third-party origin).
 */
export function renderDocs(doc: OpenApiDocument): string {
  const paths = Object.entries((doc.paths ?? {}) as Record<string, Json>);
  const operations = paths
    .flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => operationHtml(path, m, item[m] as Json)),
    )
    .join("\n");
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, unknown>)
    .map(
      ([name, schema]) =>
        `<details id="schema-${escapeHtml(name)}"><summary>${escapeHtml(name)}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
code,pre{font:13px ui-monospace,monospace}pre{background:#f5f6f8;padding:.75rem;overflow:auto;border-radius:4px}
.op{border-top:1px solid #dde1e6;padding:.5rem 0}.method{display:inline-block;min-width:3.5rem;text-align:center;
color:#fff;border-radius:3px;padding:0 .3rem;font-size:13px}.get{background:#2f6fb5}.post{background:#2d8a4e}
.lock{font-size:12px;color:#8a5a00;border:1px solid #e0b960;border-radius:3px;padding:0 .3rem}
.muted{color:#5b6472}table{border-collapse:collapse;width:100%}td,th{border:1px solid #dde1e6;padding:.25rem .5rem;
text-align:left;vertical-align:top}details{margin:.25rem 0}summary{cursor:pointer;font-weight:600}
</style></head><body>
<h1>${escapeHtml(doc.info.title)} <small class="muted">${escapeHtml(doc.info.version)}</small></h1>
<p>${escapeHtml(doc.info.description)}</p>
<p>Machine-readable contract: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(doc.openapi)}).</p>
<h2>Endpoints</h2>
${operations}
<h2>Schemas</h2>
${schemas}
</body></html>`;
}
