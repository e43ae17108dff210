/**
 * GET /docs: the API reference, rendered in the browser by Scalar's API reference from /openapi.json.
 * The renderer and its start-up script are Workers static assets of this Worker (/docs/assets/, see
 * wrangler.toml [assets]), so the page needs no network beyond the Worker. The page is static: one string.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>credit-edge scoring API</title>
<link rel="icon" href="data:,">
</head>
<body>
<noscript>The reference needs JavaScript; the contract itself is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="reference"></div>
<script src="/docs/assets/api-reference.js"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>
`;

/**
 * The page's Content-Security-Policy: scripts, data and connections from this origin only (the reference's
 * "try it" calls this API); styles may be inline because the renderer injects its own.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");
