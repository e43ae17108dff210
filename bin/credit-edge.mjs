#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader: no build step between editing and running.
import { requireSupportedNode } from "../scripts/require-node.mjs";

requireSupportedNode();
const { register } = await import("tsx/esm/api");
register();
await import("../cli/main.ts");
