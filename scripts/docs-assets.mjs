#!/usr/bin/env node
// Puts the API reference renderer (Scalar's standalone browser build, from node_modules, so its version is
// the lockfile's) into the Worker's static assets, where /docs loads it from. Run by wrangler's [build]
// command before `wrangler dev` and `wrangler deploy`, and by scripts/ensure-deps.mjs after an install.
// Plain Node, no dependencies; copies only when the file differs.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const from = join(root, "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");
const to = join(root, "worker", "docs", "public", "docs", "assets", "api-reference.js");

if (!existsSync(from)) {
  process.stderr.write(`docs assets: ${from} is missing: run \`npm ci\` first\n`);
  process.exit(1);
}
if (!existsSync(to) || !readFileSync(from).equals(readFileSync(to))) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
