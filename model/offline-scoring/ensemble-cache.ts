import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { stateDir } from "../../lib/paths.ts";
import type { EnsembleGraphs } from "../../scoring/ensemble-graphs.ts";

/** Where split graphs are kept between runs: the state folder's cache, one folder per graph and split code. */
export const ENSEMBLE_CACHE_DIR = () => join(stateDir(), "cache", "ensemble-graphs");

interface CachedMeta {
  single: boolean;
  routingInput?: number;
  main_sha256?: string;
  no_history_sha256?: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/**
 * The serving graph's ensembles as graphs of their own (scoring/ensemble-graphs.ts), split once and kept:
 * splitting decodes and re-encodes the whole graph with protobufjs, ~170 ms per scoring thread at every
 * start. The key is the graph's bytes and the split code's own source, so a new model or a changed split
 * never reads an old entry; each file's hash is checked on read, and anything unreadable is split again.
 */
export async function cachedEnsembleGraphs(
  bytes: Uint8Array,
  dir = ENSEMBLE_CACHE_DIR(),
): Promise<EnsembleGraphs | null> {
  const splitter = new URL("../../scoring/ensemble-graphs.ts", import.meta.url);
  const key = sha256(`${sha256(bytes)}:${sha256(readFileSync(splitter))}`).slice(0, 32);
  const at = join(dir, key);
  const cached = readEntry(at);
  if (cached !== undefined) return cached;
  const { splitEnsembleGraphs } = await import("../../scoring/ensemble-graphs.ts");
  const graphs = splitEnsembleGraphs(bytes);
  writeEntry(at, graphs);
  return graphs;
}

/** The entry's graphs, null for a one-ensemble graph, undefined when absent or not intact. */
function readEntry(at: string): EnsembleGraphs | null | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(at, "graphs.json"), "utf8")) as CachedMeta;
    if (meta.single) return null;
    const main = new Uint8Array(readFileSync(join(at, "main.onnx")));
    const noHistory = new Uint8Array(readFileSync(join(at, "no-history.onnx")));
    if (sha256(main) !== meta.main_sha256 || sha256(noHistory) !== meta.no_history_sha256) return undefined;
    if (typeof meta.routingInput !== "number") return undefined;
    return { main, noHistory, routingInput: meta.routingInput };
  } catch {
    return undefined;
  }
}

/** Written whole under a temporary name, then renamed: a reader never sees half an entry. */
function writeEntry(at: string, graphs: EnsembleGraphs | null): void {
  const temp = `${at}.partial-${process.pid}-${threadId}`;
  try {
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp, { recursive: true });
    const meta: CachedMeta = graphs
      ? {
          single: false,
          routingInput: graphs.routingInput,
          main_sha256: sha256(graphs.main),
          no_history_sha256: sha256(graphs.noHistory),
        }
      : { single: true };
    if (graphs) {
      writeFileSync(join(temp, "main.onnx"), graphs.main);
      writeFileSync(join(temp, "no-history.onnx"), graphs.noHistory);
    }
    writeFileSync(join(temp, "graphs.json"), JSON.stringify(meta));
    rmSync(at, { recursive: true, force: true }); // an entry that failed its check
    renameSync(temp, at);
  } catch {
    // Another thread wrote the same entry first, or the folder is read-only: the next start splits again.
    rmSync(temp, { recursive: true, force: true });
  }
}
