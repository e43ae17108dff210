import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { Progress } from "../../lib/progress.ts";
import { decide, type ModelCard } from "../../scoring/model-card.ts";
import { CoalescedLookups } from "./coalesced-lookups.ts";
import { readCsvChunks } from "./csv-chunks.ts";
import type { HistoryLookup } from "./history-lookup.ts";
import { applicationLayout } from "./parse-applications.ts";
import type { ChunkScores, PackedHistory, ScoringPool } from "./scoring-pool.ts";

export interface ScoreFileResult {
  rows: number;
  withHistory: number;
}

export interface ScoreFileOptions {
  card: ModelCard;
  history: HistoryLookup | undefined;
  input: string;
  output: string;
  progress: Progress;
  /** The scoring threads (started early by the caller, closed here when the file is done). */
  pool: Promise<ScoringPool>;
}

/** The history of a chunk's ids from what the warehouse found, packed for the scoring thread (transferred, not copied). */
function packedHistory(known: Map<number, Float64Array>, ids: Float64Array, width: number): PackedHistory {
  const rows: number[] = [];
  ids.forEach((id, row) => {
    if (known.has(id)) rows.push(row);
  });
  const values = new Float64Array(rows.length * width);
  rows.forEach((row, k) => {
    values.set(known.get(ids[row]!)!, k * width);
  });
  return { rows: Int32Array.from(rows), values };
}

/**
 * Score a CSV of applications into `SK_ID_CURR,probability,decision`, one row per input row in input
 * order. The main thread reads the file in chunks of whole rows and looks up histories; scoring threads
 * parse, build features and run the model, several chunks at once. The output is written to a temporary
 * name and renamed at the end, so a failed run leaves no half-written file behind.
 */
export async function scoreFile(options: ScoreFileOptions): Promise<ScoreFileResult> {
  const { rename, rm } = await import("node:fs/promises");
  const started = options.pool;
  let pool: ScoringPool;
  let chunks: Awaited<ReturnType<typeof readCsvChunks>>["chunks"];
  try {
    const csv = await readCsvChunks(options.input);
    chunks = csv.chunks;
    const layout = applicationLayout(options.input, csv.header);
    pool = await started;
    pool.open(options.input, layout);
  } catch (error) {
    await started.then((p) => p.close()).catch(() => {});
    throw error;
  }
  const width = options.card.packed_history_features.length;
  const temp = `${options.output}.partial-${process.pid}`;
  const out = createWriteStream(temp);
  // Errors surface through `write` (drain) and `finished` below; without a listener, a write still in
  // flight when a bad input row aborts the run would crash the process instead of reporting the row.
  out.on("error", () => {});
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  const lookups = new CoalescedLookups(options.history);
  const history = async (ids: Float64Array): Promise<PackedHistory> =>
    packedHistory(await lookups.fetch(ids), ids, width);
  const inFlight: Promise<ChunkScores>[] = [];
  let rows = 0;
  let withHistory = 0;
  const writeNext = async () => {
    const scores = await inFlight.shift()!;
    let text = "";
    scores.ids.forEach((id, i) => {
      const p = scores.probabilities[i]!;
      text += `${id},${p},${decide(p, options.card.policy)}\n`;
    });
    await write(text);
    rows += scores.ids.length;
    withHistory += scores.withHistory;
    options.progress.update(rows);
  };
  try {
    await write("SK_ID_CURR,probability,decision\n");
    for await (const chunk of chunks) {
      const scored = pool.score(chunk, history);
      scored.catch(() => {}); // awaited in order below; marks a failure as handled until then
      inFlight.push(scored);
      // Enough chunks in flight (~1 MiB each) that a thread always has one to parse while another waits for
      // its history; more only hold more memory (new applicants never wait, and a small warehouse is read
      // whole while the threads start).
      while (inFlight.length >= 3 * pool.size) await writeNext();
    }
    while (inFlight.length > 0) await writeNext();
    await pool.ready;
    out.end();
    await finished(out);
    await rename(temp, options.output);
  } catch (error) {
    await chunks.return(undefined).catch(() => {});
    out.destroy();
    await finished(out).catch(() => {});
    await rm(temp, { force: true });
    throw error;
  } finally {
    await pool.close();
  }
  return { rows, withHistory };
}
