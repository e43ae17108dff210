import type { CsvChunk } from "./csv-chunks.ts";
import type { RowLayout } from "./parse-applications.ts";

/** What the main thread of `credit-edge score` sends a scoring worker. */
export type WorkerRequest =
  /** The file the chunks come from and where its columns are: sent once, before the first chunk. */
  | { kind: "file"; path: string; layout: RowLayout }
  | { kind: "chunk"; chunk: CsvChunk }
  /** The history of chunk `index`: `rows[k]` (a row of the chunk) has values `values[k*width ..]`. */
  | { kind: "history"; index: number; rows: Int32Array; values: Float64Array }
  /** Finish what is under way, release the model, and end the thread. */
  | { kind: "close" };

/** What a scoring worker answers. */
export type WorkerReply =
  | { kind: "ready" }
  /** The thread could not load its model, and ends. */
  | { kind: "failed"; message: string }
  | { kind: "ids"; index: number; ids: Float64Array }
  | { kind: "scores"; index: number; probabilities: Float32Array }
  | { kind: "error"; index: number; message: string; user: boolean };
