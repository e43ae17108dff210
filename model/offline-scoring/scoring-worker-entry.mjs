// A scoring worker thread runs TypeScript through tsx's loader, like the CLI itself (bin/credit-edge.mjs).
import { register } from "tsx/esm/api";

register();
await import("./scoring-worker.ts");
