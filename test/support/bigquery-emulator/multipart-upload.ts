import { once } from "node:events";
import { createWriteStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { invalid } from "./api-failure.ts";

export interface ReceivedUpload {
  /** The first part: the job resource (JSON). */
  metadata: Record<string, unknown>;
  /** Where the second part (the data) was written. */
  path: string;
  bytes: number;
  gzip: boolean;
}

const CRLF2 = Buffer.from("\r\n\r\n");

/**
 * Receive a `multipart/related` upload (what the client sends with uploadType=multipart: a JSON part with
 * the job, then the data), streaming the data part to `path` so large files never sit in memory.
 */
export async function receiveMultipartUpload(
  request: IncomingMessage,
  path: string,
): Promise<ReceivedUpload> {
  const contentType = request.headers["content-type"] ?? "";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!/^multipart\/related/i.test(contentType) || !boundary) {
    throw invalid(`Expected a multipart/related upload, got Content-Type: ${contentType || "(none)"}`);
  }
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const closing = Buffer.from(`\r\n--${boundary}--`);
  // Bytes of the data part kept back until the end, so the closing delimiter can be cut off.
  const holdBack = closing.length + 4;

  const out = createWriteStream(path);
  let head: Buffer | undefined = Buffer.alloc(0);
  let metadata: Record<string, unknown> | undefined;
  let tail: Buffer = Buffer.alloc(0);
  let bytes = 0;
  let firstBytes: Buffer = Buffer.alloc(0);

  const write = async (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (firstBytes.length < 2) firstBytes = Buffer.concat([firstBytes, chunk.subarray(0, 2)]);
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, "drain");
  };

  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      if (head) {
        // Prefix "\r\n" so the first delimiter looks like the others.
        head = Buffer.concat([head.length === 0 ? Buffer.from("\r\n") : head, chunk]);
        const parsed = parseHead(head, delimiter);
        if (!parsed) continue;
        metadata = parsed.metadata;
        tail = head.subarray(parsed.dataStart);
        head = undefined;
      } else {
        tail = Buffer.concat([tail, chunk]);
      }
      if (tail.length > holdBack) {
        await write(tail.subarray(0, tail.length - holdBack));
        tail = tail.subarray(tail.length - holdBack);
      }
    }
    if (!metadata) throw invalid("Malformed multipart upload: no metadata and data parts");
    const end = tail.lastIndexOf(closing);
    if (end < 0) throw invalid("Malformed multipart upload: no closing boundary");
    await write(tail.subarray(0, end));
  } finally {
    out.end();
    await once(out, "close");
  }
  return { metadata, path, bytes, gzip: firstBytes[0] === 0x1f && firstBytes[1] === 0x8b };
}

/** Finds the metadata part and where the data part's body starts, once enough of the body has arrived. */
function parseHead(
  head: Buffer,
  delimiter: Buffer,
): { metadata: Record<string, unknown>; dataStart: number } | undefined {
  const first = head.indexOf(delimiter);
  if (first < 0) return undefined;
  const metaHeadersEnd = head.indexOf(CRLF2, first);
  if (metaHeadersEnd < 0) return undefined;
  const second = head.indexOf(delimiter, metaHeadersEnd);
  if (second < 0) return undefined;
  const dataHeadersEnd = head.indexOf(CRLF2, second);
  if (dataHeadersEnd < 0) return undefined;
  const headers = head.subarray(first + delimiter.length, metaHeadersEnd).toString("utf8");
  if (!/content-type:\s*application\/json/i.test(headers)) {
    throw invalid("Malformed multipart upload: the first part must be the JSON job resource");
  }
  const text = head.subarray(metaHeadersEnd + CRLF2.length, second).toString("utf8");
  try {
    return {
      metadata: JSON.parse(text) as Record<string, unknown>,
      dataStart: dataHeadersEnd + CRLF2.length,
    };
  } catch {
    throw invalid("Invalid JSON payload received in the upload's metadata part");
  }
}
