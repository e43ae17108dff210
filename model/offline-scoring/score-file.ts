import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import type { Progress } from "../../lib/progress.ts";
import type { Scorer } from "../../scoring/scorer.ts";
import type { HistoryLookup } from "./history-lookup.ts";
import { readApplications } from "./read-applications.ts";

export interface ScoreFileResult {
  rows: number;
  withHistory: number;
}

/**
 * Score a CSV of applications into `SK_ID_CURR,probability,decision`, one row per input row in input
 * order. The output is written to a temporary name and renamed at the end, so a failed run leaves no
 * half-written file behind.
 */
export async function scoreFile(
  scorer: Scorer,
  history: HistoryLookup | undefined,
  input: string,
  output: string,
  progress: Progress,
): Promise<ScoreFileResult> {
  const { rename, rm } = await import("node:fs/promises");
  const temp = `${output}.partial-${process.pid}`;
  const out = createWriteStream(temp);
  // Errors surface through `write` (drain) and `finished` below; without a listener, a write still in
  // flight when a bad input row aborts the run would crash the process instead of reporting the row.
  out.on("error", () => {});
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  let rows = 0;
  let withHistory = 0;
  const batches = readApplications(input);
  try {
    await write("SK_ID_CURR,probability,decision\n");
    // Read and parse the next batch on the main thread while the model scores this one on ORT's threads.
    let next = batches.next();
    next.catch(() => {}); // awaited below; marks a read error as handled until then
    for (;;) {
      const { value: batch, done } = await next;
      if (done) break;
      next = batches.next();
      next.catch(() => {});
      const known = history
        ? await history.fetch(batch.map((r) => r.clientId))
        : new Map<number, Float64Array>();
      const scores = await scorer.score(
        batch.map((r) => ({ application: r.record, history: known.get(r.clientId) ?? null })),
        { reasons: false },
      );
      let text = "";
      batch.forEach((r, i) => {
        text += `${r.clientId},${scores[i]!.probability},${scores[i]!.decision}\n`;
      });
      await write(text);
      rows += batch.length;
      withHistory += batch.filter((r) => known.has(r.clientId)).length;
      progress.update(rows);
    }
    out.end();
    await finished(out);
    await rename(temp, output);
  } catch (error) {
    // Closes the input (after any batch being read ahead) and the output.
    await batches.return(undefined).catch(() => {});
    out.destroy();
    await finished(out).catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  return { rows, withHistory };
}
