// The Node version credit-edge runs on, checked in one line before anything else loads: wrangler and the
// vitest plugin refuse Node < 22.12 with pages of output. Plain JavaScript that any Node can parse.
const MIN = [22, 12];

export function requireSupportedNode() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > MIN[0] || (major === MIN[0] && minor >= MIN[1])) return;
  process.stderr.write(
    `credit-edge: Node ${process.versions.node} is too old: it needs Node ${MIN.join(".")} or later (24 LTS recommended; ` +
      "get it from https://nodejs.org, `nvm install 24`, or `.ci/run`, which installs it from the npm registry).\n",
  );
  process.exit(1);
}
