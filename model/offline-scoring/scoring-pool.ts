import { Worker } from "node:worker_threads";
import { UserError } from "../../lib/errors.ts";
import type { CsvChunk } from "./csv-chunks.ts";
import type { RowLayout } from "./parse-applications.ts";
import type { WorkerReply, WorkerRequest } from "./scoring-messages.ts";

/** The history of a chunk's ids, packed: `rows[k]` of the chunk has values `values[k*width ..]`. */
export interface PackedHistory {
  rows: Int32Array;
  values: Float64Array;
}

export interface ChunkScores {
  ids: Float64Array;
  probabilities: Float32Array;
  withHistory: number;
}

interface Pending {
  history: (ids: Float64Array) => Promise<PackedHistory>;
  resolve: (scores: ChunkScores) => void;
  reject: (error: Error) => void;
  ids?: Float64Array;
  withHistory?: number;
}

class PoolWorker {
  readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  /** Settles when the thread has ended, whenever that was (a thread that failed may be gone before close). */
  readonly exited: Promise<void>;

  constructor(readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (reply: WorkerReply) => this.receive(reply));
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", (code) => this.fail(new Error(`a scoring worker exited (code ${code})`)));
  }

  send(request: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  score(chunk: CsvChunk, history: Pending["history"]): Promise<ChunkScores> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(chunk.index, { history, resolve, reject });
      this.send({ kind: "chunk", chunk });
    });
  }

  private receive(reply: WorkerReply): void {
    if (reply.kind === "ready") return;
    if (reply.kind === "failed") {
      this.fail(new UserError(reply.message));
      return;
    }
    const job = this.pending.get(reply.index);
    if (!job) return;
    if (reply.kind === "ids") {
      job.ids = reply.ids;
      job.history(reply.ids).then(
        (packed) => {
          job.withHistory = packed.rows.length;
          this.send({ kind: "history", index: reply.index, ...packed }, [
            packed.rows.buffer as ArrayBuffer,
            packed.values.buffer as ArrayBuffer,
          ]);
        },
        (error: Error) => this.settle(reply.index, error),
      );
    } else if (reply.kind === "scores") {
      this.pending.delete(reply.index);
      job.resolve({ ids: job.ids!, probabilities: reply.probabilities, withHistory: job.withHistory ?? 0 });
    } else {
      this.settle(reply.index, reply.user ? new UserError(reply.message) : new Error(reply.message));
    }
  }

  private settle(index: number, error: Error): void {
    const job = this.pending.get(index);
    this.pending.delete(index);
    job?.reject(error);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [index] of this.pending) this.settle(index, error);
  }
}

/**
 * Scoring threads for `credit-edge score`: each parses chunks of rows and runs its own onnxruntime-node
 * sessions (one per ensemble), so the parse, the features and the model of different chunks run on all cores, while the main
 * thread reads the file and looks up histories in the warehouse.
 */
export class ScoringPool {
  private constructor(
    private readonly workers: PoolWorker[],
    /** Every thread has loaded its model (a file of no rows still proves the model loads). */
    readonly ready: Promise<void>,
  ) {}

  /**
   * Start `size` threads, each loading the model in `modelDir`. Start it early: the threads load while the
   * caller opens the warehouse and reads the input's header; `open` then names the file.
   */
  static async start(size: number, data: { modelDir: string }): Promise<ScoringPool> {
    const entry = new URL("./scoring-worker-entry.mjs", import.meta.url);
    const workers = Array.from(
      { length: size },
      () => new PoolWorker(new Worker(entry, { workerData: data })),
    );
    // Chunks go out at once (a thread parses them while its model loads); `ready` settles when every
    // thread has loaded its model, or rejects with the reason one could not.
    const ready = Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (reply: WorkerReply) => {
              if (reply.kind === "ready") resolve();
              if (reply.kind === "failed") reject(new UserError(reply.message));
            };
            w.worker.on("message", onMessage);
            w.worker.once("error", reject);
            w.worker.once("exit", (code) =>
              reject(new Error(`a scoring worker exited while starting (code ${code})`)),
            );
          }),
      ),
    ).then(() => {});
    ready.catch(() => {}); // awaited by the caller before it reports success; marked handled until then
    return new ScoringPool(workers, ready);
  }

  /** The file every later chunk comes from, and its column layout. */
  open(path: string, layout: RowLayout): void {
    for (const w of this.workers) w.send({ kind: "file", path, layout });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Score one chunk on the least busy worker; `history` is asked for the history of the ids it holds. */
  score(chunk: CsvChunk, history: (ids: Float64Array) => Promise<PackedHistory>): Promise<ChunkScores> {
    const worker = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return worker.score(chunk, history);
  }

  /** Each thread finishes, releases its model and exits; one that does not within 30 s is terminated. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async ({ worker, exited }) => {
        worker.postMessage({ kind: "close" } satisfies WorkerRequest);
        const timer = setTimeout(() => void worker.terminate(), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
