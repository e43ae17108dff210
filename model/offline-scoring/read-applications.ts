import { readCsvChunks } from "./csv-chunks.ts";
import {
  type ApplicationRow,
  applicationLayout,
  parseApplicationChunk,
  withRecord,
} from "./parse-applications.ts";

export type { ApplicationRow } from "./parse-applications.ts";

/**
 * Stream applications from a CSV in application_train/test layout (plain or .gz), on this thread, a
 * chunk of rows at a time. TARGET and unknown columns are ignored; a missing column or an unparsable value
 * stops with the line and column named. (`credit-edge score` parses the same chunks on worker threads.)
 */
export async function* readApplications(path: string): AsyncGenerator<ApplicationRow[]> {
  const { header, chunks } = await readCsvChunks(path);
  const layout = applicationLayout(path, header);
  for await (const chunk of chunks) yield parseApplicationChunk(path, chunk, layout).map(withRecord);
}
