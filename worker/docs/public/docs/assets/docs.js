// Renders /openapi.json with Scalar's API reference (api-reference.js, loaded before this file). A file of
// its own rather than an inline script, so the page's CSP can allow scripts from this origin only. The
// mount point is not #api-reference: the renderer mounts itself there with its defaults when it loads.
// Everything that would reach another origin is off: fonts, the proxy, the hosted client, the agent.
Scalar.createApiReference("#reference", {
  url: "/openapi.json",
  withDefaultFonts: false,
  proxyUrl: "",
  hideClientButton: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
  telemetry: false,
  hideDarkModeToggle: false,
  defaultOpenAllTags: true,
  operationTitleSource: "summary",
});
