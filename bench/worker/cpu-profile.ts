/**
 * A CPU profile of the Worker under load, through wrangler dev's inspector (the Chrome DevTools protocol:
 * Profiler.start / Profiler.stop), summarised by where the time goes on the request path.
 */

import { readFileSync } from "node:fs";
import { SourceMapConsumer } from "source-map-js";

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Speak CDP to the Worker's isolate: wrangler's inspector proxy lists it at /json. */
export async function connectInspector(port: number): Promise<{
  send: (method: string, params?: object) => Promise<unknown>;
  close: () => void;
}> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspectable Worker on port ${port}`);
  // wrangler's inspector proxy takes local origins only; undici's WebSocket can name one.
  const socket = new WebSocket(url, { headers: { Origin: "http://localhost" } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id === undefined) return;
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) w?.reject(new Error(message.error.message));
    else w?.resolve(message.result);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** Where a sampled frame's time goes, named the way the README's profile table names the request path. */
const CATEGORIES: [string, RegExp][] = [
  ["ORT (onnxruntime-web, WASM)", /onnxruntime|ort-wasm|wasm-function|^wasm:/],
  ["TreeSHAP", /scoring\/treeshap|scoring\/model-explainer/],
  ["reasons and reason codes", /scoring\/reasons|scoring\/reason-codes|features\/reason-codes/],
  ["feature module", /features\/application/],
  ["input assembly", /scoring\/model-input|scoring\/scorer/],
  ["zod validation", /node_modules\/zod|zod-openapi|worker\/api\//],
  ["D1 read and decoding", /worker\/store|online-store|drizzle/],
  ["decision record", /worker\/decisions|decisions\//],
  ["logging", /request-log/],
  ["auth", /middleware\/auth|jose/],
  ["hono routing and middleware", /node_modules\/hono|worker\/middleware|worker\/routes|worker\/app/],
  ["other credit-edge code", /worker\/|scoring\/|features\//],
];

type Frame = CpuProfile["nodes"][number]["callFrame"];

/** The original source file of a frame of the bundle, through the bundle's source map. */
export function sourceResolver(mapFile: string): (frame: Frame) => string {
  const map = new SourceMapConsumer(JSON.parse(readFileSync(mapFile, "utf8")));
  const cache = new Map<string, string>();
  return ({ url, lineNumber, columnNumber }) => {
    if (!url.endsWith("index.js")) return url;
    const key = `${lineNumber}:${columnNumber}`;
    let source = cache.get(key);
    if (source === undefined) {
      source = map.originalPositionFor({ line: lineNumber + 1, column: columnNumber }).source ?? url;
      cache.set(key, source);
    }
    return source;
  };
}

/** Self time per category (ms), plus the built-ins V8 names without a URL (JSON, GC, idle). */
export function summarise(
  profile: CpuProfile,
  sourceOf: (frame: Frame) => string = (f) => f.url,
): { category: string; ms: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!)!;
    const url = node.callFrame.url ? sourceOf(node.callFrame) : "";
    const { functionName } = node.callFrame;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    let category = CATEGORIES.find(([, pattern]) => pattern.test(url) || pattern.test(functionName))?.[0];
    if (!category) {
      if (functionName === "(idle)") category = "(idle: waiting for requests or D1)";
      else if (functionName === "(garbage collector)") category = "garbage collection";
      else if (/^(parse|stringify)$/.test(functionName) && !url)
        category = "JSON parse / serialise (built-in)";
      else if (functionName === "(program)") category = "(runtime: workerd, request I/O)";
      else category = url ? "other (libraries)" : `built-in: ${functionName || "(anonymous)"}`;
    }
    totals.set(category, (totals.get(category) ?? 0) + ms);
  }
  return [...totals].map(([category, ms]) => ({ category, ms })).sort((a, b) => b.ms - a.ms);
}
