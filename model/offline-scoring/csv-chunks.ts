import { createReadStream, existsSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { UserError } from "../../lib/errors.ts";

/** A run of whole CSV rows of a file, as text, for a parser elsewhere (a worker thread). */
export interface CsvChunk {
  /** 0-based position of the chunk in the file: results are put back in this order. */
  index: number;
  /** 1-based line of the file the chunk's first row starts on. */
  firstLine: number;
  text: string;
}

export interface CsvChunks {
  /** The header row's text (BOM removed), for the caller to parse. */
  header: string;
  chunks: AsyncGenerator<CsvChunk>;
}

/** About this much text per chunk: a few thousand rows of application_train. */
export const CHUNK_CHARACTERS = 1 << 20;

/** How many quote characters `text` holds in [from, to). */
function quotesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('"', from); i !== -1 && i < to; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * The position of the last row boundary in `text` (which starts at one): its last line break outside a
 * quoted field, or -1. In RFC 4180 a field's own quotes come doubled, so a line break is inside a field
 * exactly when an odd number of quote characters precede it; only that parity is tracked, nothing is parsed
 * (and the quotes are found by indexOf, not character by character: this runs on the main thread).
 */
function lastRowBoundary(text: string): number {
  let end = text.lastIndexOf("\n");
  if (end === -1 || !text.includes('"')) return end;
  let quotes = quotesIn(text, 0, end);
  while (quotes % 2 === 1) {
    const previous = text.lastIndexOf("\n", end - 1);
    if (previous === -1) return -1;
    quotes -= quotesIn(text, previous, end);
    end = previous;
  }
  return end;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Read a CSV (plain or .gz) as the header line and then chunks of about 1 MiB of whole rows, so rows can
 * be parsed on several threads. Reading is streamed: the file is never held whole.
 */
export async function readCsvChunks(path: string, chunkSize = CHUNK_CHARACTERS): Promise<CsvChunks> {
  if (!existsSync(path)) throw new UserError(`input file not found: ${path}`);
  const raw = createReadStream(path, { highWaterMark: chunkSize });
  const stream = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  const decoder = new StringDecoder("utf8");
  const source = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending = "";
  // The header: everything up to the first line break (header names are never quoted across lines here).
  for (;;) {
    const newline = pending.indexOf("\n");
    if (newline !== -1) break;
    const next = await source.next();
    if (next.done) break;
    pending += decoder.write(next.value);
  }
  pending = pending.replace(/^\uFEFF/, "");
  const newline = pending.indexOf("\n");
  const header = (newline === -1 ? pending : pending.slice(0, newline)).replace(/\r$/, "");
  pending = newline === -1 ? "" : pending.slice(newline + 1);

  async function* chunks(): AsyncGenerator<CsvChunk> {
    let index = 0;
    let line = 2;
    try {
      for (;;) {
        const next = await source.next();
        pending += next.done ? decoder.end() : decoder.write(next.value);
        if (next.done) {
          if (pending.trim()) yield { index: index++, firstLine: line, text: pending };
          return;
        }
        if (pending.length < chunkSize) continue;
        const end = lastRowBoundary(pending);
        if (end === -1) continue; // one row longer than a chunk: read on
        const text = pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
        yield { index: index++, firstLine: line, text };
        line += countLines(text);
      }
    } finally {
      raw.destroy();
    }
  }
  return { header, chunks: chunks() };
}
