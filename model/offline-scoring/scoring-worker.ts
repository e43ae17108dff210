import { parentPort, workerData } from "node:worker_threads";
import { UserError } from "../../lib/errors.ts";
import type { ValuesInput } from "../../scoring/scorer.ts";
import type { CsvChunk } from "./csv-chunks.ts";
import { type ParsedApplication, parseApplicationChunk, type RowLayout } from "./parse-applications.ts";
import type { WorkerReply, WorkerRequest } from "./scoring-messages.ts";

/**
 * One scoring thread of `credit-edge score`: it parses chunks of the input, asks the main thread for the
 * history of the ids it found (the warehouse connection lives there), and scores the rows with its own
 * onnxruntime-node sessions (one per ensemble). It takes chunks from its first moment: the first ones are
 * parsed while the model still loads.
 */
const { modelDir } = workerData as { modelDir: string };
// The input file is named after the thread started (its model loads while the main thread reads the header).
let file: { path: string; layout: RowLayout } | undefined;
const port = parentPort!;
const parsed = new Map<number, ParsedApplication[]>();

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** The model and its scorer, loaded once; a thread that cannot load them says why and ends. */
const loading = (async () => {
  const { loadServingModel, readArtifacts } = await import("./load-scorer.ts");
  const { Scorer } = await import("../../scoring/scorer.ts");
  const { card, onnx } = readArtifacts(modelDir);
  const model = await loadServingModel(onnx);
  return { model, scorer: new Scorer(card, model) };
})();
loading.then(
  () => reply({ kind: "ready" }),
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    reply({
      kind: "failed",
      message:
        error instanceof UserError
          ? reason
          : `the model in ${modelDir} cannot be loaded (${reason}): run \`credit-edge train\``,
    });
    port.close();
  },
);

async function handle(message: Exclude<WorkerRequest, { kind: "close" | "file" }>): Promise<void> {
  if (message.kind === "chunk") {
    if (!file) throw new Error("a chunk arrived before its file was named");
    const rows = parseApplicationChunk(file.path, message.chunk as CsvChunk, file.layout);
    parsed.set(message.chunk.index, rows);
    const ids = Float64Array.from(rows, (r) => r.clientId);
    reply({ kind: "ids", index: message.chunk.index, ids }, [ids.buffer]);
    return;
  }
  const { scorer } = await loading;
  const width = scorer.card.packed_history_features.length;
  const rows = parsed.get(message.index)!;
  parsed.delete(message.index);
  const items: ValuesInput[] = rows.map((r) => ({ values: r.values, history: null }));
  message.rows.forEach((row, k) => {
    items[row]!.history = message.values.subarray(k * width, (k + 1) * width);
  });
  // A copy of its own to transfer: the runtime's output may be a view into a buffer it keeps.
  const probabilities = new Float32Array(await scorer.probabilities(items));
  reply({ kind: "scores", index: message.index, probabilities }, [probabilities.buffer]);
}

const running = new Set<Promise<void>>();

/**
 * The thread ends itself, after its work and with its onnxruntime session released: terminating it from
 * outside while the native session runs aborts the whole process.
 */
async function close(): Promise<void> {
  await Promise.allSettled(running);
  await loading.then(({ model }) => model.release()).catch(() => {}); // a model that never loaded
  port.close();
}

port.on("message", (message: WorkerRequest) => {
  if (message.kind === "close") {
    void close();
    return;
  }
  if (message.kind === "file") {
    file = { path: message.path, layout: message.layout };
    return;
  }
  const work = handle(message).catch((error: unknown) => {
    const index = message.kind === "chunk" ? message.chunk.index : message.index;
    reply({
      kind: "error",
      index,
      message: error instanceof Error ? error.message : String(error),
      user: error instanceof UserError,
    });
  });
  running.add(work);
  void work.finally(() => running.delete(work));
});
